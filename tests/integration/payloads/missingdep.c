/* missingdep - the library needsdep links against and its package lacks. */
int missingdep_value(void);

int missingdep_value(void)
{
	return 0;
}
