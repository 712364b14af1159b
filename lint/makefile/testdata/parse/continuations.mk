A = one \
    two   \
	three
B = keep\\
C = text
KBUILD_LDFLAGS += $(call ld-option, \
	--lto-whole-program-visibility \
	-mllvm -always-rename-promoted-locals=false)
# a comment \
  that continues
D = after comment
