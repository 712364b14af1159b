# The flags without ld-option, under a condition klpcheck cannot decide
# ($(wildcard) reads the file system): LTO001 holds only maybe, so it is
# a note, not an error.
KBUILD_LDFLAGS := -z noexecstack
ifdef CONFIG_LTO_CLANG_THIN
ifneq ($(wildcard arch/x86/Makefile.lto),)
KBUILD_LDFLAGS += --lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false
endif
endif
