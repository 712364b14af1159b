# The arguments of $(call) do not leak into a nested call with fewer.
inner = [$(1)][$(2)][$(3)]
outer = $(call inner,x)
twice = $(call inner,$(2))
KBUILD_LDFLAGS := $(call outer,a,b,c) $(call twice,p,q,r)
CC_FLAGS_LTO := [$(1)][$(2)]
