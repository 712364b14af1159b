if CONFIG_LTO_CLANG_THIN
KBUILD_LDFLAGS += x
elif CONFIG_X
fi
ifdef CONFIG_A
else if CONFIG_B
endif CONFIG_A
ifdef A B
endif
ifeq(a,b)
endif
endif
else
ifeq (a,b
endif
X = $(call ld-option,--foo
	recipe before any target
define UNTERMINATED
ifdef NEVER_CLOSED
