/* test_cid.c - CID allocation: lowest free first, bounds, release. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "host/virtmgr/cid.h"

static void test_init_bounds(void **state)
{
	struct error e = {{0}};
	struct cid_pool p;

	(void)state;
	assert_int_equal(cid_pool_init(&p, 0, &e), -EINVAL);
	assert_int_equal(cid_pool_init(&p, CID_POOL_MAX + 1, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "want 1 to 65536"));
	assert_int_equal(cid_pool_init(&p, CID_POOL_MAX, &e), 0);
	cid_pool_destroy(&p);
}

static void test_lowest_free(void **state)
{
	struct error e = {{0}};
	struct cid_pool p;
	uint32_t cid;

	(void)state;
	assert_int_equal(cid_pool_init(&p, 4, &e), 0);
	for (uint32_t want = CID_FIRST_GUEST; want < CID_FIRST_GUEST + 4; want++) {
		assert_int_equal(cid_alloc(&p, &cid, &e), 0);
		assert_int_equal(cid, want);
		assert_true(cid_in_use(&p, cid));
	}
	assert_int_equal(cid_alloc(&p, &cid, &e), -EAGAIN);
	assert_non_null(strstr(e.msg, "4 VMs are running"));
	assert_int_equal(cid_release(&p, 4, &e), 0);
	assert_false(cid_in_use(&p, 4));
	assert_int_equal(cid_release(&p, 5, &e), 0);
	assert_int_equal(cid_alloc(&p, &cid, &e), 0);
	assert_int_equal(cid, 4);
	assert_int_equal(cid_alloc(&p, &cid, &e), 0);
	assert_int_equal(cid, 5);
	assert_int_equal(p.count, 4);
	cid_pool_destroy(&p);
}

static void test_bad_release(void **state)
{
	struct error e = {{0}};
	struct cid_pool p;
	uint32_t cid;

	(void)state;
	assert_int_equal(cid_pool_init(&p, 2, &e), 0);
	assert_int_equal(cid_release(&p, 3, &e), -EINVAL); /* never allocated */
	assert_non_null(strstr(e.msg, "CID 3 is not allocated"));
	assert_int_equal(cid_alloc(&p, &cid, &e), 0);
	assert_int_equal(cid_release(&p, cid, &e), 0);
	assert_int_equal(cid_release(&p, cid, &e), -EINVAL); /* twice */
	assert_int_equal(cid_release(&p, CID_HOST, &e), -EINVAL);
	assert_int_equal(cid_release(&p, 0, &e), -EINVAL);
	assert_int_equal(cid_release(&p, 5, &e), -EINVAL); /* past the pool */
	assert_int_equal(cid_release(&p, UINT32_MAX, &e), -EINVAL);
	assert_false(cid_in_use(&p, CID_HOST));
	assert_int_equal(p.count, 0);
	cid_pool_destroy(&p);
}

/* Pools that end inside a bitmap word, and one that spans many. */
static void fill_pool(uint32_t max)
{
	struct error e = {{0}};
	struct cid_pool p;
	uint32_t cid;

	assert_int_equal(cid_pool_init(&p, max, &e), 0);
	for (uint32_t i = 0; i < max; i++) {
		assert_int_equal(cid_alloc(&p, &cid, &e), 0);
		assert_int_equal(cid, CID_FIRST_GUEST + i);
	}
	assert_int_equal(cid_alloc(&p, &cid, &e), -EAGAIN);
	assert_int_equal(cid_release(&p, CID_FIRST_GUEST + max / 2, &e), 0);
	assert_int_equal(cid_alloc(&p, &cid, &e), 0);
	assert_int_equal(cid, CID_FIRST_GUEST + max / 2);
	cid_pool_destroy(&p);
}

static void test_word_boundaries(void **state)
{
	(void)state;
	fill_pool(1);
	fill_pool(63);
	fill_pool(64);
	fill_pool(65);
	fill_pool(CID_POOL_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_bounds),
	    cmocka_unit_test(test_lowest_free),
	    cmocka_unit_test(test_bad_release),
	    cmocka_unit_test(test_word_boundaries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
