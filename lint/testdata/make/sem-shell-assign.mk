# != defines a recursive variable: a later += appends unexpanded text.
X != echo hello
X += $(LATE)
LATE := late
CC_FLAGS_LTO := $(flavor X)
