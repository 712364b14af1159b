include $(srctree)/scripts/Kbuild.include
-include include/config/auto.conf
sinclude maybe.mk
export
export A B
unexport C
undefine D
vpath %.c src
define BODY
line one $(X)
  define nested
  endef
line two
endef
define OP :=
value
endef
$(eval $(call BODY))
$(info hello)
