/* klpcheck probe --link-test: the module that imports klp_lt_entry. */
int klp_lt_entry(int x);

int klp_lt_user(int x)
{
	return klp_lt_entry(x) + 1;
}
