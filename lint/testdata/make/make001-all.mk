# Every configuration stops at the $(error): lint exits 2 with its message.
KBUILD_LDFLAGS := -z noexecstack
srcdir := /path/with space
ifneq ($(words $(subst :, ,$(srcdir))), 1)
$(error source directory cannot contain spaces or colons)
endif
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
