# ifdef is true for a variable whose value (unexpanded) is not empty.
EMPTY :=
REC = $(EMPTY)
SPACE := $(EMPTY) $(EMPTY)
KBUILD_LDFLAGS := -z noexecstack
ifdef EMPTY
KBUILD_LDFLAGS += empty-defined
endif
ifndef EMPTY
KBUILD_LDFLAGS += empty-undefined
endif
ifdef REC
KBUILD_LDFLAGS += rec-defined
endif
ifdef SPACE
KBUILD_LDFLAGS += space-defined
endif
ifdef NEVER_SET
KBUILD_LDFLAGS += never-defined
endif
undefine REC
ifdef REC
KBUILD_LDFLAGS += rec-still-defined
endif
