/*
 * cid.h - vsock context id (CID) allocation for running VMs.
 *
 * Every VM gets its own CID; the guest reaches the host at CID 2 and the
 * host reaches the guest at its CID.  CIDs 0-2 are reserved (2 is the
 * host), so guests get 3, 4, ... up to a configured number of concurrent
 * VMs.  The lowest free CID is handed out, so a restarted service reuses
 * small numbers and a VM's CID is predictable in tests.
 *
 * Not thread-safe: virtmgr calls these under its own lock.
 */
#ifndef MDROID_VIRTMGR_CID_H
#define MDROID_VIRTMGR_CID_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/common/error.h"

#define CID_HOST 2
#define CID_FIRST_GUEST 3
/* The most VMs a pool can track at once. */
#define CID_POOL_MAX 65536

struct cid_pool {
	uint64_t *used; /* bit i: CID CID_FIRST_GUEST + i is allocated */
	uint32_t max;	/* CIDs CID_FIRST_GUEST .. CID_FIRST_GUEST + max - 1 */
	uint32_t count; /* how many are allocated */
};

/* Set up a pool for at most @max concurrent VMs (1 to CID_POOL_MAX). */
int cid_pool_init(struct cid_pool *pool, uint32_t max, struct error *e);
void cid_pool_destroy(struct cid_pool *pool);

/* Allocate the lowest free CID into *cid.  -EAGAIN when all are in use. */
int cid_alloc(struct cid_pool *pool, uint32_t *cid, struct error *e);

/* Give @cid back.  -EINVAL if it is not an allocated CID of this pool. */
int cid_release(struct cid_pool *pool, uint32_t cid, struct error *e);

bool cid_in_use(const struct cid_pool *pool, uint32_t cid);

#endif
