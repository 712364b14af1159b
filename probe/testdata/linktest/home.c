/*
 * klpcheck probe --link-test: the home module. klp_lt_entry is small enough
 * to be imported into importer.c; once imported it refers to this file's
 * static function and static variable, so ThinLTO must promote both to
 * globals. LLVM <= 22 names them klp_lt_twice.llvm.<hash> and
 * klp_lt_counter.llvm.<hash>; with suffix reduction they keep their names.
 */
static int klp_lt_counter;

static __attribute__((noinline)) int klp_lt_twice(int x)
{
	return 2 * x + klp_lt_counter;
}

int klp_lt_entry(int x)
{
	klp_lt_counter += x;
	return klp_lt_twice(x);
}
