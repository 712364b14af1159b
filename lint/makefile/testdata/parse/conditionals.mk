ifdef CONFIG_LTO_CLANG
ifdef CONFIG_LTO_CLANG_THIN
CC_FLAGS_LTO := -flto=thin
else ifeq ($(CONFIG_LTO_CLANG_FULL),y)
CC_FLAGS_LTO := -flto
else ifneq "$(A)$(B)" ""
X = 1
else ifndef Y
Y = 2
else
Z = 3
endif
endif
ifeq ( a , b )
endif
ifneq ($(call clang-min-version,230100),)
KBUILD_LDFLAGS += $(if $(call clang-min-version,230100),--lto-whole-program-visibility)
endif
ifeq 'x' "y"
endif
