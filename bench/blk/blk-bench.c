/*
 * blk-bench - block device throughput inside a guest, for bench/blk/run.sh.
 *
 *   blk-bench seqread  DEV MiB       read MiB MiB from offset 0 in 1 MiB requests
 *   blk-bench seqwrite DEV MiB       write MiB MiB in 1 MiB requests, then fdatasync
 *   blk-bench randread DEV SECONDS   4 KiB reads at random 4 KiB-aligned offsets,
 *                                    one at a time, for SECONDS seconds
 *
 * Every request uses O_DIRECT, so the guest's page cache is bypassed and
 * each one reaches the device.  Output, one line: SEQREAD_MBPS=..,
 * SEQWRITE_MBPS=.. or RANDREAD_IOPS=.. (MB = 10^6 bytes), plus BYTES= and
 * SECONDS=.  Exit status 1 with a message on any error or short transfer.
 * Static, so that it runs in a minimal initramfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#define MIB (1024 * 1024)
#define PAGE 4096

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *dev)
{
	fprintf(stderr, "blk-bench: %s %s: %s\n", what, dev, strerror(errno));
	exit(1);
}

static void *aligned(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, PAGE, len)) {
		fprintf(stderr, "blk-bench: out of memory\n");
		exit(1);
	}
	memset(p, 0x5a, len);
	return p;
}

static void sequential(const char *dev, long mib, int write_mode)
{
	int fd = open(dev, (write_mode ? O_WRONLY : O_RDONLY) | O_DIRECT | O_CLOEXEC);
	uint8_t *buf = aligned(MIB);
	double t0, t1;
	long i;

	if (fd < 0)
		die("cannot open", dev);
	t0 = now();
	for (i = 0; i < mib; i++) {
		ssize_t n = write_mode ? pwrite(fd, buf, MIB, (off_t)i * MIB)
				       : pread(fd, buf, MIB, (off_t)i * MIB);

		if (n != MIB) {
			if (n >= 0)
				errno = EIO;
			die(write_mode ? "short write to" : "short read from", dev);
		}
	}
	if (write_mode && fdatasync(fd) < 0)
		die("fdatasync", dev);
	t1 = now();
	printf("%s_MBPS=%.1f BYTES=%ld SECONDS=%.3f\n", write_mode ? "SEQWRITE" : "SEQREAD",
	       (double)mib * MIB / 1e6 / (t1 - t0), mib * MIB, t1 - t0);
	close(fd);
	free(buf);
}

static void random_reads(const char *dev, double seconds)
{
	int fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	uint8_t *buf = aligned(PAGE);
	uint64_t size = 0, pages, x = 0x9e3779b97f4a7c15ULL, ops = 0;
	double t0, t;

	if (fd < 0)
		die("cannot open", dev);
	if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
		struct stat st; /* a regular file, when trying the tool on a host */

		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			die("cannot size", dev);
		size = (uint64_t)st.st_size;
	}
	if (size < PAGE) {
		errno = EINVAL;
		die("too small:", dev);
	}
	pages = size / PAGE;
	t0 = now();
	do {
		/* xorshift64: cheap, and the same sequence for every VMM */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (pread(fd, buf, PAGE, (off_t)((x % pages) * PAGE)) != PAGE) {
			if (errno == 0)
				errno = EIO;
			die("short read from", dev);
		}
		ops++;
		t = now();
	} while (t - t0 < seconds);
	printf("RANDREAD_IOPS=%.0f OPS=%llu SECONDS=%.3f\n", (double)ops / (t - t0),
	       (unsigned long long)ops, t - t0);
	close(fd);
	free(buf);
}

int main(int argc, char **argv)
{
	char *end;
	double v;

	if (argc != 4) {
		fprintf(stderr, "usage: blk-bench seqread|seqwrite DEV MiB | randread DEV SECONDS\n");
		return 2;
	}
	v = strtod(argv[3], &end);
	if (*end || v <= 0) {
		fprintf(stderr, "blk-bench: '%s' is not a positive number\n", argv[3]);
		return 2;
	}
	if (!strcmp(argv[1], "seqread"))
		sequential(argv[2], (long)v, 0);
	else if (!strcmp(argv[1], "seqwrite"))
		sequential(argv[2], (long)v, 1);
	else if (!strcmp(argv[1], "randread"))
		random_reads(argv[2], v);
	else {
		fprintf(stderr, "blk-bench: unknown mode '%s'\n", argv[1]);
		return 2;
	}
	return 0;
}
