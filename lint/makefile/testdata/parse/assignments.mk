# every assignment operator and modifier
A = recursive $(B)
B := simple
C ::= posix
D += appended
E ?= conditional
F != echo shell
export G = exported
override H := overridden
private I = private
export override J += both
$(A)_FLAGS := computed name
K=no spaces
L   :=   spaced value   
M = a\#b # comment
N = $(info x#y) # only the second is a comment
