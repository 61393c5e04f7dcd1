/*
 * test_ibinder.c - the object model (lib/binder/ibinder.c, death.c) with
 * local objects and a fake proxy backend: classes and user data,
 * reference counts and onDestroy, in-process transactions (interface
 * token checked, method codes only, ping and interface queries),
 * associateClass, and death recipients (once per link, unlink, delete,
 * onUnlinked, links that do not keep a proxy alive).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <android/binder_ibinder.h>

#include "lib/binder/ibinder.h"

#define DESCRIPTOR "test.ICalc"
#define CALC_ADD (FIRST_CALL_TRANSACTION + 0)
#define CALC_FAIL (FIRST_CALL_TRANSACTION + 1)

struct calc {
	int base;
	int destroyed;
};

static struct calc *last_destroyed;

static void *calc_create(void *args)
{
	struct calc *c = calloc(1, sizeof(*c));

	c->base = *(int *)args;
	return c;
}

static void calc_destroy(void *data)
{
	last_destroyed = data;
	free(data);
}

static binder_status_t calc_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				     AParcel *out)
{
	struct calc *c = AIBinder_getUserData(b);
	int32_t x;
	binder_status_t r;

	switch (code) {
	case CALC_ADD:
		r = AParcel_readInt32(in, &x);
		if (r != STATUS_OK)
			return r;
		return AParcel_writeInt32(out, c->base + x);
	case CALC_FAIL:
		return STATUS_PERMISSION_DENIED;
	default:
		return STATUS_UNKNOWN_TRANSACTION;
	}
}

static AIBinder_Class *calc_class(void)
{
	static AIBinder_Class *clazz;

	if (!clazz)
		clazz = AIBinder_Class_define(DESCRIPTOR, calc_create, calc_destroy, calc_transact);
	return clazz;
}

static void test_class_and_refs(void **state)
{
	int base = 40;
	AIBinder *b = AIBinder_new(calc_class(), &base);
	struct calc *c = AIBinder_getUserData(b);

	(void)state;
	assert_null(AIBinder_Class_define(NULL, calc_create, calc_destroy, calc_transact));
	assert_null(AIBinder_new(NULL, NULL));
	assert_string_equal(AIBinder_Class_getDescriptor(calc_class()), DESCRIPTOR);
	assert_ptr_equal(AIBinder_getClass(b), calc_class());
	assert_int_equal(c->base, 40);
	assert_false(AIBinder_isRemote(b));
	assert_true(AIBinder_isAlive(b));
	assert_int_equal(AIBinder_ping(b), STATUS_OK);
	last_destroyed = NULL;
	AIBinder_incStrong(b);
	assert_int_equal(AIBinder_debugGetRefCount(b), 2);
	AIBinder_decStrong(b);
	assert_null(last_destroyed);
	AIBinder_decStrong(b);
	assert_ptr_equal(last_destroyed, c);
}

static void test_local_transact(void **state)
{
	int base = 40;
	AIBinder *b = AIBinder_new(calc_class(), &base);
	AParcel *in = NULL, *out = NULL;
	int32_t v;

	(void)state;
	assert_int_equal(AIBinder_prepareTransaction(b, &in), STATUS_OK);
	AParcel_writeInt32(in, 2);
	assert_int_equal(AIBinder_transact(b, CALC_ADD, &in, &out, 0), STATUS_OK);
	assert_null(in); /* consumed */
	assert_int_equal(AParcel_readInt32(out, &v), STATUS_OK);
	assert_int_equal(v, 42);
	AParcel_delete(out);

	/* The method's own error comes back as the transaction's status. */
	assert_int_equal(AIBinder_prepareTransaction(b, &in), STATUS_OK);
	assert_int_equal(AIBinder_transact(b, CALC_FAIL, &in, &out, 0), STATUS_PERMISSION_DENIED);
	assert_null(out);

	/* Codes outside FIRST..LAST_CALL_TRANSACTION are not for users. */
	assert_int_equal(AIBinder_prepareTransaction(b, &in), STATUS_OK);
	assert_int_equal(AIBinder_transact(b, PING_TRANSACTION, &in, &out, 0),
			 STATUS_UNKNOWN_TRANSACTION);
	assert_null(in);

	/* Without the interface token (a bare parcel): refused with BAD_TYPE. */
	in = AParcel_create();
	AParcel_writeInt32(in, 2);
	assert_int_equal(AIBinder_transact(b, CALC_ADD, &in, &out, 0), STATUS_BAD_TYPE);

	/* Unknown flags. */
	assert_int_equal(AIBinder_prepareTransaction(b, &in), STATUS_OK);
	assert_int_equal(AIBinder_transact(b, CALC_ADD, &in, &out, 0x100), STATUS_BAD_VALUE);
	assert_int_equal(AIBinder_transact(b, CALC_ADD, &in, &out, 0), STATUS_BAD_VALUE);
	AIBinder_decStrong(b);
}

static void test_associate_local(void **state)
{
	int base = 0;
	AIBinder *b = AIBinder_new(calc_class(), &base);
	AIBinder_Class *other =
	    AIBinder_Class_define(DESCRIPTOR, calc_create, calc_destroy, calc_transact);

	(void)state;
	assert_true(AIBinder_associateClass(b, calc_class()));
	/* Same descriptor, another class: a local object is of its own class only. */
	assert_false(AIBinder_associateClass(b, other));
	assert_false(AIBinder_associateClass(b, NULL));
	AIBinder_decStrong(b);
}

/* ------------------------------------------------------------------ a fake backend */

struct fake {
	AIBinder *target; /* where its transactions go (a local object) */
	int released;
};

static binder_status_t fake_transact(AIBinder *proxy, transaction_code_t code, const AParcel *in,
				     AParcel *out, binder_flags_t flags)
{
	struct fake *f = proxy->priv;

	if (atomic_load(&proxy->dead))
		return STATUS_DEAD_OBJECT;
	AParcel_setDataPosition(in, 0);
	return binder_dispatch(f->target, code, in, out, flags);
}

static AParcel *fake_new_parcel(AIBinder *proxy)
{
	(void)proxy;
	return AParcel_create();
}

static bool fake_owns(AIBinder *proxy, const AParcel *p)
{
	(void)proxy;
	(void)p;
	return true;
}

static void fake_release(AIBinder *proxy)
{
	((struct fake *)proxy->priv)->released++;
}

static const struct binder_proxy_ops fake_ops = {
    .transact = fake_transact,
    .new_parcel = fake_new_parcel,
    .owns_parcel = fake_owns,
    .release = fake_release,
};

static void test_proxy_associate_and_call(void **state)
{
	int base = 1;
	struct fake f = {.target = AIBinder_new(calc_class(), &base)};
	AIBinder *p = binder_new_proxy(&fake_ops, &f, 0);
	AIBinder_Class *wrong =
	    AIBinder_Class_define("test.IOther", calc_create, calc_destroy, calc_transact);
	AParcel *in = NULL, *out = NULL;
	int32_t v;

	(void)state;
	assert_true(AIBinder_isRemote(p));
	assert_null(AIBinder_getUserData(p));
	/* No class yet: cannot prepare a transaction. */
	assert_int_equal(AIBinder_prepareTransaction(p, &in), STATUS_INVALID_OPERATION);
	/* The object says it is DESCRIPTOR (INTERFACE_TRANSACTION). */
	assert_false(AIBinder_associateClass(p, wrong));
	assert_true(AIBinder_associateClass(p, calc_class()));
	assert_int_equal(AIBinder_prepareTransaction(p, &in), STATUS_OK);
	AParcel_writeInt32(in, 5);
	assert_int_equal(AIBinder_transact(p, CALC_ADD, &in, &out, 0), STATUS_OK);
	assert_int_equal(AParcel_readInt32(out, &v), STATUS_OK);
	assert_int_equal(v, 6);
	AParcel_delete(out);
	assert_int_equal(AIBinder_ping(p), STATUS_OK);
	AIBinder_decStrong(p);
	assert_int_equal(f.released, 1);
	AIBinder_decStrong(f.target);
}

static int died, unlinked;
static void *died_cookie;

static void on_died(void *cookie)
{
	died++;
	died_cookie = cookie;
}

static void on_unlinked(void *cookie)
{
	(void)cookie;
	unlinked++;
}

static void test_death(void **state)
{
	struct fake f = {0};
	AIBinder *p = binder_new_proxy(&fake_ops, &f, 0);
	AIBinder_DeathRecipient *r = AIBinder_DeathRecipient_new(on_died);
	int base = 0;
	AIBinder *local = AIBinder_new(calc_class(), &base);

	(void)state;
	died = unlinked = 0;
	assert_null(AIBinder_DeathRecipient_new(NULL));
	AIBinder_DeathRecipient_setOnUnlinked(r, on_unlinked);
	assert_int_equal(AIBinder_linkToDeath(local, r, NULL), STATUS_INVALID_OPERATION);
	assert_int_equal(AIBinder_linkToDeath(p, r, (void *)1), STATUS_OK);
	assert_int_equal(AIBinder_linkToDeath(p, r, (void *)2), STATUS_OK);
	assert_int_equal(AIBinder_unlinkToDeath(p, r, (void *)2), STATUS_OK);
	assert_int_equal(unlinked, 1);
	assert_int_equal(AIBinder_unlinkToDeath(p, r, (void *)2), STATUS_NAME_NOT_FOUND);
	/* Death: once, with the cookie, then the link is over. */
	binder_proxy_died(p);
	binder_proxy_died(p);
	assert_int_equal(died, 1);
	assert_ptr_equal(died_cookie, (void *)1);
	assert_int_equal(unlinked, 2);
	assert_false(AIBinder_isAlive(p));
	assert_int_equal(AIBinder_linkToDeath(p, r, NULL), STATUS_DEAD_OBJECT);
	assert_int_equal(AIBinder_unlinkToDeath(p, r, (void *)1), STATUS_DEAD_OBJECT);
	AIBinder_decStrong(p);
	AIBinder_DeathRecipient_delete(r);
	AIBinder_decStrong(local);
}

static void test_death_links_do_not_hold(void **state)
{
	struct fake f = {0};
	AIBinder *p = binder_new_proxy(&fake_ops, &f, 0);
	AIBinder *q = binder_new_proxy(&fake_ops, &f, 0);
	AIBinder_DeathRecipient *r = AIBinder_DeathRecipient_new(on_died);

	(void)state;
	died = unlinked = 0;
	AIBinder_DeathRecipient_setOnUnlinked(r, on_unlinked);
	assert_int_equal(AIBinder_linkToDeath(p, r, NULL), STATUS_OK);
	assert_int_equal(AIBinder_linkToDeath(q, r, NULL), STATUS_OK);
	/* Freeing a proxy ends its links without a death. */
	AIBinder_decStrong(p);
	assert_int_equal(f.released, 1);
	assert_int_equal(unlinked, 1);
	assert_int_equal(died, 0);
	/* Deleting the recipient ends the rest. */
	AIBinder_DeathRecipient_delete(r);
	assert_int_equal(unlinked, 2);
	binder_proxy_died(q);
	assert_int_equal(died, 0);
	AIBinder_decStrong(q);
}

/* A proxy-only class calls a remote object like the full class does. */
static void test_proxy_only_class(void **state)
{
	int base = 10;
	struct fake f = {.target = AIBinder_new(calc_class(), &base)};
	AIBinder *p = binder_new_proxy(&fake_ops, &f, 0);
	AIBinder_Class *proxy_only = AIBinder_Class_defineProxy(DESCRIPTOR);
	AIBinder *local = AIBinder_new(proxy_only, NULL);
	AParcel *in = NULL, *out = NULL;
	int32_t v;

	(void)state;
	assert_null(AIBinder_Class_defineProxy(NULL));
	assert_non_null(proxy_only);
	assert_string_equal(AIBinder_Class_getDescriptor(proxy_only), DESCRIPTOR);
	assert_true(AIBinder_associateClass(p, proxy_only));
	assert_int_equal(AIBinder_prepareTransaction(p, &in), STATUS_OK);
	AParcel_writeInt32(in, 5);
	assert_int_equal(AIBinder_transact(p, CALC_ADD, &in, &out, 0), STATUS_OK);
	assert_int_equal(AParcel_readInt32(out, &v), STATUS_OK);
	assert_int_equal(v, 15);
	AParcel_delete(out);
	out = NULL;
	/* Its own objects implement nothing. */
	assert_non_null(local);
	assert_null(AIBinder_getUserData(local));
	assert_int_equal(AIBinder_prepareTransaction(local, &in), STATUS_OK);
	assert_int_equal(AIBinder_transact(local, CALC_ADD, &in, &out, 0),
			 STATUS_UNKNOWN_TRANSACTION);
	AParcel_delete(out);
	AIBinder_decStrong(local);
	AIBinder_decStrong(p);
	AIBinder_decStrong(f.target);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_class_and_refs),
	    cmocka_unit_test(test_local_transact),
	    cmocka_unit_test(test_associate_local),
	    cmocka_unit_test(test_proxy_associate_and_call),
	    cmocka_unit_test(test_death),
	    cmocka_unit_test(test_death_links_do_not_hold),
	    cmocka_unit_test(test_proxy_only_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
