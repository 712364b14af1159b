all: vmlinux
vmlinux: vmlinux.o
	$(LD) $(KBUILD_LDFLAGS) -o $@ $<
	@echo done
KBUILD_LDFLAGS += --icf=all
	TABBED += assignment after an assignment
vmlinux.o: KBUILD_LDFLAGS += -r
clean:: ; rm -f vmlinux
$(objtree)/%.o: %.c
	$(CC) -c $<
