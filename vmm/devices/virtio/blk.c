/*
 * blk.c - virtio-blk (virtio 1.x, 5.2): a raw image file or host block
 * device behind one request queue.
 *
 * The image is opened, type-checked, locked and sized when the device is
 * made, so that every user error is reported before the guest runs:
 *   - a regular file or a block device, nothing else;
 *   - a whole number of 512-byte sectors, at least one;
 *   - flock(2)ed, shared for ,ro and exclusive otherwise, so that two mvm
 *     processes never write one image (nor one writes what another reads).
 *
 * Requests (5.2.6): a 16-byte header (type, reserved, sector) at the
 * start of the device-readable part, the data, and the status byte as the
 * last byte of the device-writable part.  Reads and writes go straight
 * between the image and the guest's buffers with preadv/pwritev, no copy.
 * What the device offers and accepts:
 *   IN, OUT        whole sectors inside the capacity, else IOERR;
 *   FLUSH          fdatasync(2) of the image before completing (nothing
 *                  to flush on a read-only disk);
 *   GET_ID         the ,id=NAME serial, NUL-padded to 20 bytes;
 *   DISCARD        punches holes (FALLOC_FL_PUNCH_HOLE), writable disks;
 *   WRITE_ZEROES   FALLOC_FL_ZERO_RANGE, a hole when the driver allows
 *                  unmapping, or written zeros where the host cannot;
 *   anything else  UNSUPP.
 * Limits: 254 data segments per request (seg_max), any segment size;
 * DISCARD and WRITE_ZEROES take at most 32 segments of at most 2 GiB each.
 * A read-only disk answers OUT, DISCARD and WRITE_ZEROES with IOERR and
 * never touches the image.  Host I/O errors become IOERR.  A chain without
 * a whole header or without a status byte cannot be answered: the device
 * then needs a reset (virtio_device_fail()).
 *
 * All requests available at a notification are served in one pass, with
 * notifications from the driver suppressed meanwhile and one interrupt
 * per pass.  The I/O is synchronous on the device's worker thread; the
 * image is used through the host page cache, and FLUSH is what makes
 * writes durable (the driver sees a write-back cache: VIRTIO_BLK_F_FLUSH
 * without CONFIG_WCE).
 */
#include "devices.h"

#include "../../sandbox.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status values (5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13

#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

/* Flags of a discard / write-zeroes segment. */
#define VIRTIO_BLK_SEG_F_UNMAP 1u

#define SECTOR_SHIFT 9
#define SECTOR_SIZE (1u << SECTOR_SHIFT)
#define BLK_HEADER_SIZE 16  /* type, reserved, sector */
#define BLK_SEGMENT_SIZE 16 /* sector, num_sectors, flags */

#define BLK_QUEUE_MAX 256

/*
 * A request is the header, the data segments and the status, and its
 * chain may be no longer than the queue (the spec's driver requirements
 * for indirect descriptors say so) nor than the longest chain the queue
 * walker accepts: seg_max is 254.
 */
#define BLK_CHAIN_MAX (BLK_QUEUE_MAX < VIRTQ_MAX_CHAIN ? BLK_QUEUE_MAX : VIRTQ_MAX_CHAIN)
#define BLK_SEG_MAX (BLK_CHAIN_MAX - 2)

/*
 * Discard and write-zeroes limits: per segment at most 2 GiB (what one
 * fallocate(2) does quickly), at most 32 segments per request.  Linux
 * takes discard_sector_alignment as its discard granularity; 4 KiB matches
 * the block size of the file systems images live on.
 */
#define BLK_MAX_DISCARD_SECTORS (1u << 22)
#define BLK_MAX_DISCARD_SEG 32
#define BLK_DISCARD_ALIGNMENT 8
#define BLK_MAX_WRITE_ZEROES_SECTORS (1u << 22)
#define BLK_MAX_WRITE_ZEROES_SEG 32
#define BLK_MAX_SEGMENTS 32 /* the larger of the two segment limits */
_Static_assert(BLK_MAX_DISCARD_SEG <= BLK_MAX_SEGMENTS &&
		   BLK_MAX_WRITE_ZEROES_SEG <= BLK_MAX_SEGMENTS,
	       "BLK_MAX_SEGMENTS is the larger segment limit");

/* Configuration space layout (5.2.4), little-endian. */
enum {
	CFG_CAPACITY = 0,		   /* le64 */
	CFG_SIZE_MAX = 8,		   /* le32 */
	CFG_SEG_MAX = 12,		   /* le32 */
	CFG_GEOMETRY = 16,		   /* le16 cylinders, u8 heads, u8 sectors */
	CFG_BLK_SIZE = 20,		   /* le32 */
	CFG_TOPOLOGY = 24,		   /* u8, u8, le16, le32 */
	CFG_WRITEBACK = 32,		   /* u8 */
	CFG_NUM_QUEUES = 34,		   /* le16 */
	CFG_MAX_DISCARD_SECTORS = 36,	   /* le32 */
	CFG_MAX_DISCARD_SEG = 40,	   /* le32 */
	CFG_DISCARD_SECTOR_ALIGNMENT = 44, /* le32 */
	CFG_MAX_WRITE_ZEROES_SECTORS = 48, /* le32 */
	CFG_MAX_WRITE_ZEROES_SEG = 52,	   /* le32 */
	CFG_WRITE_ZEROES_MAY_UNMAP = 56,   /* u8, then 3 bytes of padding */
	CFG_LEN = 60,
};

/* Zeros for WRITE_ZEROES where the host has no cheaper way. */
#define BLK_ZERO_CHUNK (64 * 1024)
static uint8_t blk_zeros[BLK_ZERO_CHUNK];

struct virtio_blk {
	struct virtio_device dev;
	struct virtio_device_ops ops; /* the template, with this disk's features */
	bool dev_ready;		      /* virtio_device_init() was called on dev */
	int fd;
	uint64_t capacity; /* sectors */
	bool read_only;
	bool no_punch_hole;	    /* the image refused FALLOC_FL_PUNCH_HOLE */
	bool no_zero_range;	    /* the image refused FALLOC_FL_ZERO_RANGE */
	char id[VIRTIO_BLK_ID_MAX]; /* NUL-padded, not terminated when full */
	uint8_t config[CFG_LEN];
	struct virtq_chain chain;
	uint8_t segs[BLK_MAX_SEGMENTS * BLK_SEGMENT_SIZE];
};

/* ---- Command line ------------------------------------------------------- */

/* Check a serial id: 1 to VIRTIO_BLK_ID_MAX bytes of [A-Za-z0-9._-]. */
static int blk_check_id(const char *what, const char *id, struct error *e)
{
	size_t len = strlen(id), i;

	if (len == 0)
		return error_set(e, -EINVAL,
				 "disk '%s': empty id (id=NAME takes 1 to %d "
				 "characters)",
				 what, VIRTIO_BLK_ID_MAX);
	if (len > VIRTIO_BLK_ID_MAX)
		return error_set(e, -EINVAL, "disk '%s': id '%s' is %zu bytes long, at most %d",
				 what, id, len, VIRTIO_BLK_ID_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)id[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-')
			continue;
		if (c >= ' ' && c < 0x7f)
			return error_set(e, -EINVAL,
					 "disk '%s': id '%s' has the character '%c' "
					 "(allowed: A-Z a-z 0-9 . _ -)",
					 what, id, c);
		return error_set(e, -EINVAL,
				 "disk '%s': the id has the byte %#04x at position %zu "
				 "(allowed: A-Z a-z 0-9 . _ -)",
				 what, c, i);
	}
	return 0;
}

int virtio_blk_parse(const char *arg, struct virtio_blk_params *p, char *storage,
		     size_t storage_len, struct error *e)
{
	bool seen_ro = false, seen_id = false;
	char *opt, *next;
	size_t len;
	int err;

	memset(p, 0, sizeof(*p));
	if (!arg)
		arg = "";
	len = strlen(arg);
	if (!storage || len >= storage_len)
		return error_set(e, -ENAMETOOLONG, "disk '%s': too long (%zu bytes, room for %zu)",
				 arg, len, storage_len ? storage_len - 1 : 0);
	memcpy(storage, arg, len + 1);
	next = strchr(storage, ',');
	if (next)
		*next++ = '\0';
	if (!storage[0])
		return error_set(e, -EINVAL, "disk '%s': no image path (want PATH[,ro][,id=NAME])",
				 arg);
	p->path = storage;
	while (next) {
		opt = next;
		next = strchr(opt, ',');
		if (next)
			*next++ = '\0';
		if (!opt[0])
			return error_set(e, -EINVAL, "disk '%s': empty option (a stray comma?)",
					 arg);
		if (!strcmp(opt, "ro")) {
			if (seen_ro)
				return error_set(e, -EINVAL, "disk '%s': option 'ro' given twice",
						 arg);
			seen_ro = true;
			p->read_only = true;
		} else if (!strncmp(opt, "id=", 3)) {
			if (seen_id)
				return error_set(e, -EINVAL, "disk '%s': option 'id' given twice",
						 arg);
			seen_id = true;
			err = blk_check_id(arg, opt + 3, e);
			if (err)
				return err;
			p->id = opt + 3;
		} else if (!strcmp(opt, "id")) {
			return error_set(e, -EINVAL,
					 "disk '%s': option 'id' needs a value: id=NAME", arg);
		} else {
			return error_set(e, -EINVAL,
					 "disk '%s': unknown option '%s' (options: ro, "
					 "id=NAME; an image path cannot contain a comma)",
					 arg, opt);
		}
	}
	return 0;
}

/* ---- Configuration space ------------------------------------------------ */

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

static void blk_build_config(struct virtio_blk *b)
{
	uint8_t *c = b->config;

	memset(c, 0, sizeof(b->config));
	put_le64(c + CFG_CAPACITY, b->capacity);
	put_le32(c + CFG_SEG_MAX, BLK_SEG_MAX);
	put_le32(c + CFG_BLK_SIZE, SECTOR_SIZE);
	if (!b->read_only) {
		put_le32(c + CFG_MAX_DISCARD_SECTORS, BLK_MAX_DISCARD_SECTORS);
		put_le32(c + CFG_MAX_DISCARD_SEG, BLK_MAX_DISCARD_SEG);
		put_le32(c + CFG_DISCARD_SECTOR_ALIGNMENT, BLK_DISCARD_ALIGNMENT);
		put_le32(c + CFG_MAX_WRITE_ZEROES_SECTORS, BLK_MAX_WRITE_ZEROES_SECTORS);
		put_le32(c + CFG_MAX_WRITE_ZEROES_SEG, BLK_MAX_WRITE_ZEROES_SEG);
		c[CFG_WRITE_ZEROES_MAY_UNMAP] = 1; /* an unmapping write-zeroes punches a hole */
	}
}

/* The transport checked @off + @size <= CFG_LEN. */
static void blk_config_read(struct virtio_device *d, uint32_t off, uint8_t *data, unsigned int size)
{
	struct virtio_blk *b = d->priv;

	memcpy(data, b->config + off, size);
}

/* ---- Host I/O ----------------------------------------------------------- */

/*
 * Drop the first @skip bytes of the @*n iovecs at @iov, in place; return
 * where the rest starts (@*n updated).  Empty iovecs are dropped too.
 */
static struct iovec *iov_advance(struct iovec *iov, unsigned int *n, size_t skip)
{
	while (*n && (skip >= iov->iov_len)) {
		skip -= iov->iov_len;
		iov++;
		(*n)--;
	}
	if (*n && skip) {
		iov->iov_base = (uint8_t *)iov->iov_base + skip;
		iov->iov_len -= skip;
	}
	return iov;
}

/*
 * Read (@write false) or write @len bytes at byte @off of the image
 * from/into the @n iovecs at @iov (which this consumes), retrying short
 * transfers.  Returns the bytes moved; *@err is 0, or -errno when the
 * transfer stopped early (-EIO at an unexpected end of file).
 */
static uint64_t blk_rw(int fd, struct iovec *iov, unsigned int n, uint64_t off, uint64_t len,
		       bool write, int *err)
{
	uint64_t done = 0;

	*err = 0;
	while (done < len && n) {
		int cnt = n > IOV_MAX ? IOV_MAX : (int)n;
		ssize_t r = write ? pwritev(fd, iov, cnt, (off_t)(off + done))
				  : preadv(fd, iov, cnt, (off_t)(off + done));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			*err = -errno;
			break;
		}
		if (r == 0) {
			*err = -EIO; /* the image shrank under us */
			break;
		}
		done += (uint64_t)r;
		iov = iov_advance(iov, &n, (size_t)r);
	}
	return done;
}

/* Is [@sector, @sector + @count) inside the disk?  Overflow-safe. */
static bool blk_range_ok(const struct virtio_blk *b, uint64_t sector, uint64_t count)
{
	return sector <= b->capacity && count <= b->capacity - sector;
}

/* Write zeros over @len bytes at @off with plain writes. */
static int blk_write_zeros(struct virtio_blk *b, uint64_t off, uint64_t len)
{
	struct iovec iov[16];
	unsigned int k;
	int err;

	while (len) {
		uint64_t chunk = 0;

		for (k = 0; k < 16 && chunk < len; k++) {
			size_t piece =
			    len - chunk < BLK_ZERO_CHUNK ? (size_t)(len - chunk) : BLK_ZERO_CHUNK;

			iov[k] = (struct iovec){blk_zeros, piece};
			chunk += piece;
		}
		blk_rw(b->fd, iov, k, off, chunk, true, &err);
		if (err)
			return err;
		off += chunk;
		len -= chunk;
	}
	return 0;
}

/* What blk_fallocate() found, besides 0 (done) and -errno. */
enum {
	FALLOC_UNSUPPORTED = 1, /* the image never does this mode */
	FALLOC_NOT_HERE = 2,	/* not for this range (a block device's alignment) */
};

static int blk_fallocate(struct virtio_blk *b, int mode, uint64_t off, uint64_t len)
{
	while (fallocate(b->fd, mode, (off_t)off, (off_t)len) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EOPNOTSUPP || errno == ENOSYS)
			return FALLOC_UNSUPPORTED;
		if (errno == EINVAL)
			return FALLOC_NOT_HERE;
		return -errno;
	}
	return 0;
}

/* Deallocate a range; reads of it may return anything afterwards. */
static int blk_discard_range(struct virtio_blk *b, uint64_t off, uint64_t len)
{
	int r;

	if (b->no_punch_hole)
		return 0; /* discard is a hint: nothing to do */
	r = blk_fallocate(b, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
	if (r == FALLOC_UNSUPPORTED)
		b->no_punch_hole = true;
	return r < 0 ? r : 0;
}

/* Make a range read back as zeros, deallocating it if @unmap allows. */
static int blk_zero_range(struct virtio_blk *b, uint64_t off, uint64_t len, bool unmap)
{
	int r;

	if (unmap && !b->no_punch_hole) {
		r = blk_fallocate(b, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
		if (r <= 0)
			return r;
		if (r == FALLOC_UNSUPPORTED)
			b->no_punch_hole = true;
	}
	if (!b->no_zero_range) {
		r = blk_fallocate(b, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off, len);
		if (r <= 0)
			return r;
		if (r == FALLOC_UNSUPPORTED)
			b->no_zero_range = true;
	}
	return blk_write_zeros(b, off, len);
}

/* ---- Requests ----------------------------------------------------------- */

/* IN or OUT of the data in @c (header and status byte already set aside). */
static uint8_t blk_read_write(struct virtio_blk *b, struct virtq_chain *c, uint64_t sector,
			      bool write, uint64_t *written)
{
	struct iovec *iov;
	unsigned int n;
	uint64_t len, done;
	int err;

	if (write) {
		if (b->read_only)
			return VIRTIO_BLK_S_IOERR;
		n = c->nr_rd;
		iov = iov_advance(c->rd, &n, BLK_HEADER_SIZE);
		len = c->rd_len - BLK_HEADER_SIZE;
	} else {
		/* All writable bytes but the last, the status. */
		n = c->nr_wr;
		c->wr[n - 1].iov_len--;
		if (!c->wr[n - 1].iov_len)
			n--;
		iov = c->wr;
		len = c->wr_len - 1;
	}
	if (len % SECTOR_SIZE || !blk_range_ok(b, sector, len >> SECTOR_SHIFT))
		return VIRTIO_BLK_S_IOERR;
	done = blk_rw(b->fd, iov, n, sector << SECTOR_SHIFT, len, write, &err);
	if (!write)
		*written = done;
	return err ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

/* DISCARD or WRITE_ZEROES: the segments follow the header in the readable part. */
static uint8_t blk_discard_or_zero(struct virtio_blk *b, const struct virtq_chain *c, bool zeroes)
{
	uint64_t data = c->rd_len - BLK_HEADER_SIZE;
	uint32_t max_seg = zeroes ? BLK_MAX_WRITE_ZEROES_SEG : BLK_MAX_DISCARD_SEG;
	uint32_t max_sectors = zeroes ? BLK_MAX_WRITE_ZEROES_SECTORS : BLK_MAX_DISCARD_SECTORS;
	unsigned int nr, k;
	uint8_t status = VIRTIO_BLK_S_OK;

	if (b->read_only)
		return VIRTIO_BLK_S_IOERR;
	if (data == 0 || data % BLK_SEGMENT_SIZE || data / BLK_SEGMENT_SIZE > max_seg)
		return VIRTIO_BLK_S_IOERR;
	nr = (unsigned int)(data / BLK_SEGMENT_SIZE);
	virtq_chain_read(c, BLK_HEADER_SIZE, b->segs, (size_t)nr * BLK_SEGMENT_SIZE);

	/* Check every segment before touching the image. */
	for (k = 0; k < nr; k++) {
		const uint8_t *s = b->segs + (size_t)k * BLK_SEGMENT_SIZE;
		uint64_t sector;
		uint32_t count, flags;

		memcpy(&sector, s, 8);
		memcpy(&count, s + 8, 4);
		memcpy(&flags, s + 12, 4);
		sector = le64toh(sector);
		count = le32toh(count);
		flags = le32toh(flags);
		/* Unknown flags, or unmap on a discard: UNSUPP, as the spec requires. */
		if ((flags & ~VIRTIO_BLK_SEG_F_UNMAP) || (!zeroes && flags))
			return VIRTIO_BLK_S_UNSUPP;
		if (count > max_sectors || !blk_range_ok(b, sector, count))
			status = VIRTIO_BLK_S_IOERR;
	}
	if (status != VIRTIO_BLK_S_OK)
		return status;

	for (k = 0; k < nr; k++) {
		const uint8_t *s = b->segs + (size_t)k * BLK_SEGMENT_SIZE;
		uint64_t sector;
		uint32_t count, flags;
		int err;

		memcpy(&sector, s, 8);
		memcpy(&count, s + 8, 4);
		memcpy(&flags, s + 12, 4);
		sector = le64toh(sector);
		count = le32toh(count);
		flags = le32toh(flags);
		if (!count)
			continue;
		if (zeroes)
			err = blk_zero_range(b, sector << SECTOR_SHIFT,
					     (uint64_t)count << SECTOR_SHIFT,
					     flags & VIRTIO_BLK_SEG_F_UNMAP);
		else
			err = blk_discard_range(b, sector << SECTOR_SHIFT,
						(uint64_t)count << SECTOR_SHIFT);
		if (err)
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

/*
 * Serve the request in @c.  Returns the used length (bytes written into
 * the writable buffers, status included), or -1 when the chain cannot be
 * a request at all (the device then needs a reset).
 */
static int64_t blk_request(struct virtio_blk *b, struct virtq_chain *c)
{
	uint8_t hdr[BLK_HEADER_SIZE], *status_byte, status;
	uint64_t sector, written = 0;
	uint32_t type;

	if (c->rd_len < BLK_HEADER_SIZE) {
		virtio_device_fail(&b->dev, "request %u: %llu header bytes, want %d", c->head,
				   (unsigned long long)c->rd_len, BLK_HEADER_SIZE);
		return -1;
	}
	if (!c->nr_wr) {
		virtio_device_fail(&b->dev, "request %u: no writable status byte", c->head);
		return -1;
	}
	virtq_chain_read(c, 0, hdr, sizeof(hdr));
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	type = le32toh(type);
	sector = le64toh(sector);
	/* The status is the last writable byte (zero-length buffers never reach us). */
	status_byte = (uint8_t *)c->wr[c->nr_wr - 1].iov_base + c->wr[c->nr_wr - 1].iov_len - 1;

	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		status = blk_read_write(b, c, sector, type == VIRTIO_BLK_T_OUT, &written);
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = VIRTIO_BLK_S_OK;
		if (!b->read_only && fdatasync(b->fd) < 0)
			status = VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		uint64_t room = c->wr_len - 1;

		written =
		    virtq_chain_write(c, 0, b->id, room < sizeof(b->id) ? room : sizeof(b->id));
		status = VIRTIO_BLK_S_OK;
		break;
	}
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		status = blk_discard_or_zero(b, c, type == VIRTIO_BLK_T_WRITE_ZEROES);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	*status_byte = status;
	return (int64_t)(written + 1);
}

static void blk_queue_notify(struct virtio_device *d, unsigned int q)
{
	struct virtio_blk *b = d->priv;
	struct virtq *vq = &d->vq[q];
	int got;

	do {
		/* No kicks while we are busy: we look at the ring again before sleeping. */
		virtq_enable_notify(vq, false);
		while ((got = virtq_pop(vq, &b->chain)) > 0) {
			int64_t used = blk_request(b, &b->chain);

			if (used < 0)
				return;
			virtq_push(vq, b->chain.head,
				   used > UINT32_MAX ? UINT32_MAX : (uint32_t)used);
		}
		if (got < 0) {
			virtio_device_fail(d, "request queue: %s", vq->error);
			return;
		}
		/* One interrupt for everything this pass completed. */
		virtio_queue_notify_guest(d, q);
	} while (virtq_enable_notify(vq, true));
}

/* ---- Life cycle --------------------------------------------------------- */

static const struct virtio_device_ops blk_ops_template = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nr_queues = 1,
	.queue_max = BLK_QUEUE_MAX,
	.config_len = CFG_LEN,
	.sandbox = SANDBOX_DEVICE_DISK,
	.config_read = blk_config_read,
	.queue_notify = blk_queue_notify,
};

#define BIT64(n) (1ULL << (n))

/* Open, check, lock and size the image of @p into @b. */
static int blk_open_image(struct virtio_blk *b, const struct virtio_blk_params *p, struct error *e)
{
	const char *path = p->path;
	struct stat st;
	uint64_t size;
	int flags = (p->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY;

	/* O_NONBLOCK so that a FIFO cannot hang us before we see what it is. */
	b->fd = open(path, flags | O_NONBLOCK);
	if (b->fd < 0) {
		int err = errno;

		if (err == EISDIR)
			return error_set(e, -err, "disk '%s': is a directory, not an image", path);
		if (!p->read_only && (err == EACCES || err == EROFS || err == EPERM))
			return error_set(e, -err,
					 "disk '%s': cannot open for writing: %s (add ,ro "
					 "for read-only use)",
					 path, strerror(err));
		return error_set(e, -err, "disk '%s': cannot open: %s", path, strerror(err));
	}
	if (fstat(b->fd, &st) < 0)
		return error_set(e, -errno, "disk '%s': fstat: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return error_set(e, -EISDIR, "disk '%s': is a directory, not an image", path);
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return error_set(e, -EINVAL, "disk '%s': not a regular file or block device", path);
	flags = fcntl(b->fd, F_GETFL);
	if (flags < 0 || fcntl(b->fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		return error_set(e, -errno, "disk '%s': fcntl: %s", path, strerror(errno));

	if (flock(b->fd, (p->read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return error_set(e, -EBUSY, "disk '%s' is in use by another process (or given twice)", path);
		return error_set(e, -errno, "disk '%s': cannot lock: %s", path, strerror(errno));
	}

	if (S_ISBLK(st.st_mode)) {
		if (ioctl(b->fd, BLKGETSIZE64, &size) < 0)
			return error_set(e, -errno, "disk '%s': cannot get the device size: %s",
					 path, strerror(errno));
	} else {
		size = (uint64_t)st.st_size;
	}
	if (size == 0)
		return error_set(e, -EINVAL, "disk '%s': the image is empty (0 bytes)", path);
	if (size % SECTOR_SIZE)
		return error_set(e, -EINVAL,
				 "disk '%s': size %llu bytes is not a multiple of %u "
				 "(a raw image must be whole sectors)",
				 path, (unsigned long long)size, SECTOR_SIZE);
	b->capacity = size >> SECTOR_SHIFT;
	return 0;
}

static void blk_free(struct virtio_blk *b)
{
	if (b->dev_ready)
		virtio_device_destroy(&b->dev);
	if (b->fd >= 0)
		close(b->fd); /* drops the lock */
	free(b);
}

int virtio_blk_create(struct virtio_device **out, const struct guest_mem *mem,
		      struct virtio_irq irq, const struct virtio_blk_params *p, struct error *e)
{
	struct virtio_blk *b;
	int err;

	if (!p || !p->path || !p->path[0])
		return error_set(e, -EINVAL, "disk: no image path");
	if (p->id) {
		err = blk_check_id(p->path, p->id, e);
		if (err)
			return err;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return error_set(e, -ENOMEM, "disk '%s': out of memory", p->path);
	b->fd = -1;
	b->read_only = p->read_only;
	if (p->id)
		memcpy(b->id, p->id, strlen(p->id)); /* checked: at most VIRTIO_BLK_ID_MAX */

	err = blk_open_image(b, p, e);
	if (err) {
		blk_free(b);
		return err;
	}
	b->ops = blk_ops_template;
	b->ops.features =
	    BIT64(VIRTIO_BLK_F_SEG_MAX) | BIT64(VIRTIO_BLK_F_BLK_SIZE) | BIT64(VIRTIO_BLK_F_FLUSH);
	if (b->read_only)
		b->ops.features |= BIT64(VIRTIO_BLK_F_RO);
	else
		b->ops.features |= BIT64(VIRTIO_BLK_F_DISCARD) | BIT64(VIRTIO_BLK_F_WRITE_ZEROES);
	blk_build_config(b);

	b->dev_ready = true;
	err = virtio_device_init(&b->dev, &b->ops, b, mem, irq);
	if (err) {
		blk_free(b);
		return error_set(e, err, "disk '%s': %s", p->path, strerror(-err));
	}
	*out = &b->dev;
	return 0;
}

void virtio_blk_destroy(struct virtio_device *d)
{
	if (!d)
		return;
	blk_free(d->priv);
}
