/*
 * property_service.h - the property service: init's end of the socket
 * that the client library (guest/libprop) talks to, with the protocol of
 * prop_wire.h.
 *
 * GET, LIST and WAIT read the store directly; SET goes through the owner's
 * set callback, which applies what a set means beyond storing it (ctl.*,
 * sys.powerctl, triggers) and returns the status for the client.
 *
 * Who may set what: clients running as root (uid 0) or system (uid 1000)
 * may set any property; other uids may not set names starting with
 * "ro.", "ctl.", "init." or "sys.powerctl" (-EPERM).
 *
 * A request is read synchronously, with PROP_SERVICE_READ_MS to arrive;
 * replies are written within the same bound, so a stuck client holds init
 * up for at most that long.  A WAIT that does not match yet stays open
 * (at most PROP_SERVICE_WAITERS at once; more are answered -EBUSY) until
 * the property matches or the client hangs up.
 */
#ifndef MICRODROID_INIT_PROPERTY_SERVICE_H
#define MICRODROID_INIT_PROPERTY_SERVICE_H

#include "lib/common/error.h"
#include "loop.h"
#include "property.h"

#define PROP_SERVICE_READ_MS 1000
#define PROP_SERVICE_WAITERS 64

struct prop_service;

/* Apply a client's set; returns 0 or the negative errno for the client. */
typedef int (*prop_service_set_fn)(void *ctx, const char *name, const char *value);

/*
 * Listen on the Unix socket @path (an old socket file there is replaced;
 * mode 0666) and serve @store through @l.  Returns 0 and the service in
 * *out, or -errno with a reason in @e.
 */
int prop_service_start(struct prop_service **out, struct loop *l, const char *path,
		       struct prop_store *store, prop_service_set_fn set, void *ctx,
		       struct error *e);

/* Tell the service that @name is now @value, to answer matching waiters. */
void prop_service_notify(struct prop_service *ps, const char *name, const char *value);

/* Close the socket and every open wait, remove the socket file, free. */
void prop_service_stop(struct prop_service *ps);

#endif
