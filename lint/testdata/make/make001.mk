# MAKE001: make stops at $(error ...) in some configurations.
KBUILD_LDFLAGS := -z noexecstack
CC_FLAGS_LTO :=

ifdef CONFIG_LTO_CLANG_FULL
$(error full LTO is not supported by this tree)
endif

ifeq ($(shell uname -m),s390)
$(error no LTO on $(shell uname -m))
endif

ifdef CONFIG_LTO_CLANG_THIN
CC_FLAGS_LTO := -flto=thin -fsplit-lto-unit
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
endif
