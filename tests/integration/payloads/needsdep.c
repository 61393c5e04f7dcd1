/*
 * needsdep - a test payload linked against libmissingdep.so, which its
 * package leaves out: dlopen() must fail on the DT_NEEDED entry.
 */
int missingdep_value(void);
int AVmPayload_main(void);

int AVmPayload_main(void)
{
	return missingdep_value();
}
