/* nomain - a test payload library without AVmPayload_main. */
int not_the_entry_point(void);

int not_the_entry_point(void)
{
	return 0;
}
