# $(eval) of text klpcheck cannot compute: the variables it assigns are
# unknown, not left as they were.
KBUILD_LDFLAGS := -z noexecstack
$(eval KBUILD_LDFLAGS += $(wildcard sem-eval.mk))
$(eval CC_FLAGS_LTO := $(wildcard sem-eval.mk))
