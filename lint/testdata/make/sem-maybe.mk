# Conditions klpcheck cannot decide ($(wildcard) reads the file system):
# the else branches after them run too, and ?= after a maybe-defined
# variable may assign.
ifneq ($(wildcard sem-maybe.mk),)
A := yes-file
else
A := no-file
endif
ifneq ($(wildcard no-such-file.mk),)
B := yes
else ifeq (1,1)
B := else-if
else
B := else
endif
ifneq ($(wildcard no-such-file.mk),)
C := maybe-c
endif
C ?= default-c
KBUILD_LDFLAGS := $(A) $(B) $(C)
