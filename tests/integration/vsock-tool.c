/*
 * vsock-tool.c - a test and benchmark program for vsock, used on both
 * sides of mvm's virtio-vsock: inside the guest over AF_VSOCK, and on the
 * host over mvm's Unix socket (the Firecracker "CONNECT <port>" protocol)
 * or a plain Unix socket.  Built static: the test guest has no shared
 * libraries.
 *
 * Usage:
 *   vsock-tool serve vsock PORT [--sink] [--count N] [--verbose]
 *   vsock-tool serve unix PATH [--sink] [--count N] [--verbose]
 *       Listen (AF_VSOCK on PORT of any CID, or AF_UNIX at PATH) and serve
 *       many connections at once: echo everything back, or with --sink
 *       read, verify and count what a `send` client sends.  Prints
 *       LISTENING=<address> once ready.  Runs until killed, or until N
 *       connections were served (then prints SERVED=N).
 *   vsock-tool echo TARGET BYTES
 *       Send BYTES of the test stream to an echo server while reading the
 *       echo back, verify every byte; prints BYTES= CHECKSUM= SECONDS= MBPS=.
 *   vsock-tool send TARGET BYTES
 *       One-way throughput to a `serve --sink` server: send a 16-byte
 *       preamble and BYTES of the test stream; the sink verifies every
 *       byte and answers "OK <bytes> <checksum>"; prints BYTES= CHECKSUM=
 *       SECONDS= MBPS=.
 *   vsock-tool pingpong TARGET COUNT SIZE
 *       Round trips of SIZE bytes to an echo server, COUNT of them after a
 *       short warm-up; prints COUNT= SIZE= RTT_US_MEDIAN= RTT_US_P99=
 *       RTT_US_MIN= RTT_US_MAX= RTT_US_MEAN=.
 *   vsock-tool churn TARGET N
 *       N times in sequence: connect to an echo server, echo 16 bytes,
 *       close; prints OK=N SECONDS= PER_SECOND=.
 *   vsock-tool refused TARGET
 *       Expect the connection to be refused or reset within 5 seconds;
 *       exits 0 only if it was; prints REFUSED=1 REASON= SECONDS=.
 *   vsock-tool selftest
 *       Run the modes against each other over Unix sockets in a temporary
 *       directory, and against a stand-in for mvm's CONNECT protocol.
 *   vsock-tool --help
 *
 * TARGET:
 *   vsock:CID:PORT   AF_VSOCK (in the guest, the host is CID 2)
 *   uds:PATH:PORT    mvm's host socket PATH: connect, send "CONNECT PORT\n",
 *                    expect "OK <host port>\n", then the stream
 *   unix:PATH        a plain AF_UNIX stream socket
 *
 * The test stream is a fixed pseudo-random byte sequence (byte i is
 * entry i mod 65521 of a table made by splitmix64), so either side can
 * verify any part of it.  CHECKSUM is FNV-1a (64 bits) over the stream's
 * 8-byte little-endian words, the last one zero-padded, then the length;
 * it is printed as 16 hex digits.  MBPS is 10^6 bytes of payload per
 * second, one way.
 *
 * Output is KEY=VALUE lines on stdout.  Exit status: 0 success, 1 failure
 * (with a message on stderr), 2 bad usage.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STREAM_PERIOD 65521 /* a prime, so the pattern never lines up with buffers */
#define CHUNK 65536
#define PREAMBLE_MAGIC "VTS1"
#define PREAMBLE_SIZE 16
#define IO_TIMEOUT_MS 30000
#define REFUSE_TIMEOUT_MS 5000
#define MAX_SERVE_CONNS 1024

static const char *prog = "vsock-tool";

static void usage_text(FILE *f)
{
	fprintf(f,
		"usage:\n"
		"  %1$s serve vsock PORT [--sink] [--count N] [--verbose]\n"
		"  %1$s serve unix PATH [--sink] [--count N] [--verbose]\n"
		"  %1$s echo TARGET BYTES\n"
		"  %1$s send TARGET BYTES          (to a serve --sink)\n"
		"  %1$s pingpong TARGET COUNT SIZE\n"
		"  %1$s churn TARGET N\n"
		"  %1$s refused TARGET\n"
		"  %1$s selftest\n"
		"TARGET: vsock:CID:PORT | uds:PATH:PORT (mvm's socket, \"CONNECT PORT\") | "
		"unix:PATH\n"
		"Prints KEY=VALUE lines; MBPS is 10^6 payload bytes per second one way.\n"
		"Exit status: 0 success, 1 failure, 2 usage.\n",
		prog);
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end;
}

/*
 * The test stream and its checksum.
 */

static uint8_t stream_table[2 * STREAM_PERIOD];

static void stream_init(void)
{
	uint64_t x = 0x6d766d2d76736f63ULL; /* "mvm-vsoc" */
	size_t i;

	for (i = 0; i < STREAM_PERIOD; i++) {
		uint64_t z;

		x += 0x9e3779b97f4a7c15ULL;
		z = x;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		stream_table[i] = (uint8_t)(z ^ (z >> 31));
	}
	memcpy(stream_table + STREAM_PERIOD, stream_table, STREAM_PERIOD);
}

/* Bytes [off, off + n) of the stream, n <= STREAM_PERIOD. */
static const uint8_t *stream_at(uint64_t off)
{
	return stream_table + off % STREAM_PERIOD;
}

/* First differing index of @buf against the stream at @off, or -1. */
static long stream_mismatch(uint64_t off, const uint8_t *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		size_t k = n - done < STREAM_PERIOD ? n - done : STREAM_PERIOD;

		if (memcmp(buf + done, stream_at(off + done), k)) {
			size_t i;

			for (i = 0; i < k; i++)
				if (buf[done + i] != stream_at(off + done)[i])
					return (long)(done + i);
		}
		done += k;
	}
	return -1;
}

struct csum {
	uint64_t h, len;
	uint8_t carry[8];
	unsigned int ncarry;
};

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static void csum_init(struct csum *c)
{
	memset(c, 0, sizeof(*c));
	c->h = FNV_OFFSET;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static void csum_add(struct csum *c, const uint8_t *p, size_t n)
{
	c->len += n;
	while (c->ncarry && n) {
		c->carry[c->ncarry++] = *p++;
		n--;
		if (c->ncarry == 8) {
			c->h = (c->h ^ le64(c->carry)) * FNV_PRIME;
			c->ncarry = 0;
		}
	}
	for (; n >= 8; p += 8, n -= 8)
		c->h = (c->h ^ le64(p)) * FNV_PRIME;
	memcpy(c->carry, p, n);
	c->ncarry = (unsigned int)n;
}

static uint64_t csum_final(const struct csum *c)
{
	uint64_t h = c->h;

	if (c->ncarry) {
		uint8_t last[8] = {0};

		memcpy(last, c->carry, c->ncarry);
		h = (h ^ le64(last)) * FNV_PRIME;
	}
	return (h ^ c->len) * FNV_PRIME;
}

/* The checksum of the first @n bytes of the stream. */
static uint64_t stream_csum(uint64_t n)
{
	struct csum c;
	uint64_t off = 0;

	csum_init(&c);
	while (off < n) {
		size_t k = n - off < CHUNK ? (size_t)(n - off) : CHUNK;

		csum_add(&c, stream_at(off), k);
		off += k;
	}
	return csum_final(&c);
}

/*
 * Addresses.
 */

enum target_kind { T_VSOCK, T_UDS, T_UNIX };

struct target {
	enum target_kind kind;
	unsigned int cid, port;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char text[160];
};

static bool parse_port(const char *s, unsigned int *port)
{
	uint64_t v;

	if (!parse_u64(s, &v) || v > 0xffffffffULL)
		return false;
	*port = (unsigned int)v;
	return true;
}

static int parse_target(const char *s, struct target *t)
{
	const char *colon;
	size_t len;

	memset(t, 0, sizeof(*t));
	snprintf(t->text, sizeof(t->text), "%s", s);
	if (!strncmp(s, "vsock:", 6)) {
		char cid[16];

		t->kind = T_VSOCK;
		colon = strchr(s + 6, ':');
		if (!colon || (size_t)(colon - (s + 6)) >= sizeof(cid))
			return fail("bad target '%s': want vsock:CID:PORT", s);
		memcpy(cid, s + 6, (size_t)(colon - (s + 6)));
		cid[colon - (s + 6)] = 0;
		if (!parse_port(cid, &t->cid) || !parse_port(colon + 1, &t->port))
			return fail("bad target '%s': CID and PORT are decimal numbers", s);
		return 0;
	}
	if (!strncmp(s, "uds:", 4)) {
		t->kind = T_UDS;
		colon = strrchr(s + 4, ':');
		if (!colon || colon == s + 4 || !parse_port(colon + 1, &t->port))
			return fail("bad target '%s': want uds:PATH:PORT", s);
		len = (size_t)(colon - (s + 4));
		if (len >= sizeof(t->path))
			return fail("bad target '%s': the path is too long", s);
		memcpy(t->path, s + 4, len);
		return 0;
	}
	if (!strncmp(s, "unix:", 5)) {
		t->kind = T_UNIX;
		len = strlen(s + 5);
		if (!len || len >= sizeof(t->path))
			return fail("bad target '%s': want unix:PATH (at most %zu bytes)", s,
				    sizeof(t->path) - 1);
		memcpy(t->path, s + 5, len);
		return 0;
	}
	return fail("bad target '%s': want vsock:CID:PORT, uds:PATH:PORT or unix:PATH", s);
}

static socklen_t unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, strlen(path));
	return (socklen_t)sizeof(*sa);
}

static void set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* Wait up to @ms for @events on @fd: >0 ready, 0 timed out, <0 error. */
static int wait_fd(int fd, short events, int ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r;
}

/*
 * Connect to @t within @ms.  Returns a blocking socket, or -1 with the
 * errno that ended it in *@why (0 for a protocol failure), and a message
 * in @msg.
 */
static int target_connect(const struct target *t, int ms, int *why, char *msg, size_t msglen)
{
	struct sockaddr_vm vm = {.svm_family = AF_VSOCK};
	struct sockaddr_un un;
	struct sockaddr *sa;
	socklen_t salen;
	int fd, err = 0;
	socklen_t errlen = sizeof(err);

	*why = 0;
	if (t->kind == T_VSOCK) {
		vm.svm_cid = t->cid;
		vm.svm_port = t->port;
		sa = (struct sockaddr *)&vm;
		salen = sizeof(vm);
		fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	} else {
		salen = unix_addr(&un, t->path);
		sa = (struct sockaddr *)&un;
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (fd < 0) {
		*why = errno;
		snprintf(msg, msglen, "socket: %s", strerror(errno));
		return -1;
	}
	set_nonblock(fd, true);
	if (connect(fd, sa, salen) < 0) {
		if (t->kind == T_UDS) {
			/* mvm itself is not there: not a refusal by the guest. */
			snprintf(msg, msglen, "cannot reach mvm's socket %s: %s", t->path,
				 strerror(errno));
			close(fd);
			return -1;
		}
		if (errno != EINPROGRESS && errno != EAGAIN) {
			err = errno;
		} else if (wait_fd(fd, POLLOUT, ms) <= 0) {
			err = ETIMEDOUT;
		} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0) {
			err = errno;
		}
		if (err) {
			*why = err;
			snprintf(msg, msglen, "connect to %s: %s", t->text, strerror(err));
			close(fd);
			return -1;
		}
	}
	if (t->kind == T_UDS) {
		char line[80];
		size_t n = 0;
		int len = snprintf(line, sizeof(line), "CONNECT %u\n", t->port);

		if (write(fd, line, (size_t)len) != len) {
			*why = errno;
			snprintf(msg, msglen, "%s: cannot send the CONNECT line: %s", t->text,
				 strerror(errno));
			close(fd);
			return -1;
		}
		/* Byte by byte: the stream starts right after the newline. */
		while (n < sizeof(line) - 1) {
			ssize_t r;

			if (wait_fd(fd, POLLIN, ms) <= 0) {
				*why = ETIMEDOUT;
				snprintf(msg, msglen, "%s: no answer to CONNECT within %d ms",
					 t->text, ms);
				close(fd);
				return -1;
			}
			r = read(fd, line + n, 1);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				*why = r < 0 ? errno : ECONNRESET;
				snprintf(
				    msg, msglen,
				    "%s: connection closed before OK (nothing listens on guest "
				    "port %u?)",
				    t->text, t->port);
				close(fd);
				return -1;
			}
			if (line[n++] == '\n')
				break;
		}
		line[n] = 0;
		if (strncmp(line, "OK ", 3) || line[n - 1] != '\n') {
			snprintf(msg, msglen, "%s: unexpected answer to CONNECT: '%.*s'", t->text,
				 (int)strcspn(line, "\n"), line);
			close(fd);
			return -1;
		}
	}
	set_nonblock(fd, false);
	return fd;
}

static int connect_or_fail(const struct target *t)
{
	char msg[256];
	int why, fd = target_connect(t, IO_TIMEOUT_MS, &why, msg, sizeof(msg));

	if (fd < 0)
		fail("%s", msg);
	return fd;
}

static void set_timeouts(int fd, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read exactly @n bytes: 0, or -1 with errno (0 for a premature end of file). */
static int read_all(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void print_rate(uint64_t bytes, uint64_t sum, double secs)
{
	printf("BYTES=%llu\nCHECKSUM=%016llx\nSECONDS=%.6f\nMBPS=%.1f\n", (unsigned long long)bytes,
	       (unsigned long long)sum, secs, secs > 0 ? (double)bytes / secs / 1e6 : 0.0);
	fflush(stdout);
}

/*
 * Clients.
 */

/* echo: stream out and back at once, polled both ways so that neither side blocks. */
static int run_echo(const struct target *t, uint64_t bytes)
{
	static uint8_t in[CHUNK];
	uint64_t sent = 0, got = 0;
	struct csum sum;
	bool shut = false;
	double t0;
	int fd = connect_or_fail(t);

	if (fd < 0)
		return 1;
	set_nonblock(fd, true);
	csum_init(&sum);
	t0 = now_s();
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r;

		if (sent == bytes && !shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		if (sent < bytes)
			p.events |= POLLOUT;
		r = poll(&p, 1, IO_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			return fail("echo: no progress for %d s (sent %llu, got back %llu of %llu)",
				    IO_TIMEOUT_MS / 1000, (unsigned long long)sent,
				    (unsigned long long)got, (unsigned long long)bytes);
		}
		if (p.revents & POLLOUT) {
			size_t n = bytes - sent < CHUNK ? (size_t)(bytes - sent) : CHUNK;
			ssize_t w = write(fd, stream_at(sent), n);

			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				close(fd);
				return fail("echo: write: %s", strerror(errno));
			}
			if (w > 0)
				sent += (uint64_t)w;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(fd, in, sizeof(in));
			long bad;

			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n < 0) {
				close(fd);
				return fail("echo: read: %s (got back %llu of %llu)",
					    strerror(errno), (unsigned long long)got,
					    (unsigned long long)bytes);
			}
			if (n == 0)
				break;
			if (got + (uint64_t)n > bytes) {
				close(fd);
				return fail("echo: got back more than was sent");
			}
			bad = stream_mismatch(got, in, (size_t)n);
			if (bad >= 0) {
				close(fd);
				return fail("echo: byte %llu came back as %#x, sent %#x",
					    (unsigned long long)(got + (uint64_t)bad), in[bad],
					    stream_at(got + (uint64_t)bad)[0]);
			}
			csum_add(&sum, in, (size_t)n);
			got += (uint64_t)n;
		}
	}
	close(fd);
	if (got != bytes || sent != bytes)
		return fail("echo: the connection ended after %llu of %llu bytes came back",
			    (unsigned long long)got, (unsigned long long)bytes);
	print_rate(bytes, csum_final(&sum), now_s() - t0);
	return 0;
}

/* send: preamble and stream to a sink, then its verdict. */
static int run_send(const struct target *t, uint64_t bytes)
{
	uint8_t pre[PREAMBLE_SIZE];
	char ack[96];
	unsigned long long ack_bytes, ack_sum;
	uint64_t sent = 0, want = stream_csum(bytes), le = htole64(bytes);
	size_t n = 0;
	double t0;
	int fd = connect_or_fail(t);

	if (fd < 0)
		return 1;
	set_timeouts(fd, IO_TIMEOUT_MS);
	memcpy(pre, PREAMBLE_MAGIC, 4);
	memset(pre + 4, 0, 4);
	memcpy(pre + 8, &le, 8);
	t0 = now_s();
	if (write_all(fd, pre, sizeof(pre)) < 0) {
		close(fd);
		return fail("send: write: %s", strerror(errno));
	}
	while (sent < bytes) {
		size_t k = bytes - sent < CHUNK ? (size_t)(bytes - sent) : CHUNK;

		if (write_all(fd, stream_at(sent), k) < 0) {
			close(fd);
			return fail("send: write after %llu bytes: %s", (unsigned long long)sent,
				    strerror(errno));
		}
		sent += k;
	}
	shutdown(fd, SHUT_WR);
	while (n < sizeof(ack) - 1) {
		ssize_t r = read(fd, ack + n, sizeof(ack) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (memchr(ack, '\n', n))
			break;
	}
	close(fd);
	ack[n] = 0;
	if (sscanf(ack, "OK %llu %llx", &ack_bytes, &ack_sum) != 2)
		return fail("send: the sink did not confirm (answer: '%.*s')",
			    (int)strcspn(ack, "\n"), ack);
	if (ack_bytes != bytes || ack_sum != want)
		return fail("send: the sink got %llu bytes with checksum %016llx, sent %llu with "
			    "%016llx",
			    ack_bytes, ack_sum, (unsigned long long)bytes,
			    (unsigned long long)want);
	print_rate(bytes, want, now_s() - t0);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int run_pingpong(const struct target *t, uint64_t count, uint64_t size)
{
	uint64_t warm = count / 10 < 100 ? count / 10 : 100, k, total = 0, *rtt;
	uint8_t *in;
	int fd;

	if (!count || !size || size > STREAM_PERIOD)
		return fail("pingpong: COUNT must be at least 1, SIZE 1 to %d", STREAM_PERIOD);
	rtt = calloc(count, sizeof(*rtt));
	in = malloc(size);
	if (!rtt || !in)
		return fail("pingpong: out of memory");
	fd = connect_or_fail(t);
	if (fd < 0) {
		free(rtt);
		free(in);
		return 1;
	}
	set_timeouts(fd, IO_TIMEOUT_MS);
	for (k = 0; k < warm + count; k++) {
		uint64_t off = (k * size) % STREAM_PERIOD, t0 = now_ns();

		if (write_all(fd, stream_at(off), size) < 0 || read_all(fd, in, size) < 0) {
			int err = errno;

			close(fd);
			free(rtt);
			free(in);
			return fail("pingpong: round %llu: %s", (unsigned long long)k,
				    err ? strerror(err) : "the connection closed");
		}
		if (k >= warm)
			rtt[k - warm] = now_ns() - t0;
		if (memcmp(in, stream_at(off), size)) {
			close(fd);
			free(rtt);
			free(in);
			return fail("pingpong: round %llu: the echo differs",
				    (unsigned long long)k);
		}
	}
	close(fd);
	for (k = 0; k < count; k++)
		total += rtt[k];
	qsort(rtt, count, sizeof(*rtt), cmp_u64);
	printf("COUNT=%llu\nSIZE=%llu\nRTT_US_MEDIAN=%.2f\nRTT_US_P99=%.2f\nRTT_US_MIN=%.2f\n"
	       "RTT_US_MAX=%.2f\nRTT_US_MEAN=%.2f\n",
	       (unsigned long long)count, (unsigned long long)size, rtt[count / 2] / 1e3,
	       rtt[(count * 99) / 100 < count ? (count * 99) / 100 : count - 1] / 1e3, rtt[0] / 1e3,
	       rtt[count - 1] / 1e3, (double)total / (double)count / 1e3);
	fflush(stdout);
	free(rtt);
	free(in);
	return 0;
}

static int run_churn(const struct target *t, uint64_t n)
{
	uint8_t in[16];
	uint64_t k;
	double t0 = now_s(), secs;

	for (k = 0; k < n; k++) {
		uint64_t off = (k * 16) % STREAM_PERIOD;
		int fd = connect_or_fail(t);

		if (fd < 0)
			return fail("churn: connection %llu of %llu failed",
				    (unsigned long long)k + 1, (unsigned long long)n);
		set_timeouts(fd, IO_TIMEOUT_MS);
		if (write_all(fd, stream_at(off), 16) < 0 || read_all(fd, in, 16) < 0 ||
		    memcmp(in, stream_at(off), 16)) {
			int err = errno;

			close(fd);
			return fail("churn: connection %llu of %llu: %s", (unsigned long long)k + 1,
				    (unsigned long long)n, err ? strerror(err) : "bad or no echo");
		}
		close(fd);
	}
	secs = now_s() - t0;
	printf("OK=%llu\nSECONDS=%.6f\nPER_SECOND=%.1f\n", (unsigned long long)n, secs,
	       secs > 0 ? (double)n / secs : 0.0);
	fflush(stdout);
	return 0;
}

static int run_refused(const struct target *t)
{
	double t0 = now_s(), secs;
	char msg[256];
	int why, fd = target_connect(t, REFUSE_TIMEOUT_MS, &why, msg, sizeof(msg));

	secs = now_s() - t0;
	if (fd >= 0) {
		close(fd);
		return fail("refused: %s accepted the connection", t->text);
	}
	if (why == ETIMEDOUT || secs > REFUSE_TIMEOUT_MS / 1000.0)
		return fail("refused: no clean refusal within %d s: %s", REFUSE_TIMEOUT_MS / 1000,
			    msg);
	if (why != ECONNREFUSED && why != ECONNRESET && why != ENOENT)
		return fail("refused: %s", msg);
	printf("REFUSED=1\nREASON=%s\nSECONDS=%.6f\n",
	       why == ECONNREFUSED ? "ECONNREFUSED"
	       : why == ECONNRESET ? "ECONNRESET"
				   : "ENOENT",
	       secs);
	fflush(stdout);
	return 0;
}

/*
 * The server.
 */

struct sconn {
	int fd;
	unsigned long id;
	uint8_t *buf; /* echo: received, not yet sent back */
	size_t head, len;
	bool eof;
	/* sink */
	uint8_t pre[PREAMBLE_SIZE];
	size_t pre_len;
	bool raw; /* no preamble: just count */
	uint64_t expect, bytes;
	struct csum sum;
	long long bad_at;
	double t0;
};

struct server {
	int lfd;
	bool sink, verbose;
	uint64_t count; /* 0: forever */
	uint64_t served;
	unsigned long next_id;
	bool failed;
	struct sconn *c[MAX_SERVE_CONNS];
	unsigned int n;
};

static void sink_data(struct sconn *c, const uint8_t *p, size_t n)
{
	while (n && !c->raw && c->pre_len < PREAMBLE_SIZE) {
		c->pre[c->pre_len++] = *p++;
		n--;
		if (c->pre_len == 4 && memcmp(c->pre, PREAMBLE_MAGIC, 4)) {
			/* Not our sender: count everything. */
			c->raw = true;
			csum_add(&c->sum, c->pre, 4);
			c->bytes = 4;
		}
		if (c->pre_len == PREAMBLE_SIZE)
			c->expect = le64(c->pre + 8);
	}
	if (!n)
		return;
	if (!c->raw && c->bad_at < 0) {
		long bad = stream_mismatch(c->bytes, p, n);

		if (bad >= 0)
			c->bad_at = (long long)(c->bytes + (uint64_t)bad);
	}
	csum_add(&c->sum, p, n);
	c->bytes += n;
}

/* A connection ended: report it, and in a sink answer the sender. */
static void server_finish(struct server *s, unsigned int k)
{
	struct sconn *c = s->c[k];
	double secs = now_s() - c->t0;

	if (s->sink) {
		uint64_t sum = csum_final(&c->sum);
		const char *verdict = c->raw ? "unchecked" : "ok";
		char ack[64];
		int n;

		if (!c->raw &&
		    (c->pre_len < PREAMBLE_SIZE || c->bytes != c->expect || c->bad_at >= 0)) {
			verdict = "FAILED";
			s->failed = true;
			if (c->bad_at >= 0)
				fprintf(stderr,
					"%s: connection %lu: byte %lld differs from the stream\n",
					prog, c->id, c->bad_at);
			else
				fprintf(stderr,
					"%s: connection %lu: got %llu bytes, expected %llu\n", prog,
					c->id, (unsigned long long)c->bytes,
					(unsigned long long)c->expect);
		}
		n = snprintf(ack, sizeof(ack), "OK %llu %016llx\n", (unsigned long long)c->bytes,
			     (unsigned long long)sum);
		if (strcmp(verdict, "FAILED")) {
			set_nonblock(c->fd, false);
			set_timeouts(c->fd, 5000);
			if (write_all(c->fd, ack, (size_t)n) < 0) {
				/* the sender left: it reports that itself */
			}
		}
		printf("CONN=%lu BYTES=%llu CHECKSUM=%016llx SECONDS=%.6f MBPS=%.1f VERIFY=%s\n",
		       c->id, (unsigned long long)c->bytes, (unsigned long long)sum, secs,
		       secs > 0 ? (double)c->bytes / secs / 1e6 : 0.0, verdict);
	} else if (s->verbose) {
		printf("CONN=%lu BYTES=%llu SECONDS=%.6f\n", c->id, (unsigned long long)c->bytes,
		       secs);
	}
	fflush(stdout);
	close(c->fd);
	free(c->buf);
	free(c);
	s->c[k] = s->c[--s->n];
	s->served++;
}

static void server_accept(struct server *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct sconn *c;

		if (fd < 0)
			return;
		if (s->n == MAX_SERVE_CONNS) {
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c && !s->sink)
			c->buf = malloc(4 * CHUNK);
		if (!c || (!s->sink && !c->buf)) {
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->id = ++s->next_id;
		c->bad_at = -1;
		c->t0 = now_s();
		csum_init(&c->sum);
		s->c[s->n++] = c;
	}
}

/* Serve until killed or s->count connections are done; 0 if all went well. */
static int serve(struct server *s)
{
	static uint8_t scratch[4 * CHUNK];
	static struct pollfd p[MAX_SERVE_CONNS + 1];

	while (!s->count || s->served < s->count) {
		unsigned int k, np;
		int r;

		p[0] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
		for (k = 0; k < s->n; k++) {
			struct sconn *c = s->c[k];

			p[k + 1] = (struct pollfd){.fd = c->fd};
			if (s->sink || (!c->eof && c->len < 4 * CHUNK))
				p[k + 1].events |= POLLIN;
			if (!s->sink && c->len)
				p[k + 1].events |= POLLOUT;
		}
		np = s->n + 1;
		r = poll(p, np, -1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return fail("serve: poll: %s", strerror(errno));
		}
		/* Backwards: server_finish() moves the last connection into slot k. */
		for (k = np - 1; k >= 1; k--) {
			struct sconn *c = s->c[k - 1];
			short ev = p[k].revents;
			bool done = false;

			if (!ev)
				continue;
			if (s->sink) {
				ssize_t n = read(c->fd, scratch, sizeof(scratch));

				if (n > 0)
					sink_data(c, scratch, (size_t)n);
				else if (n == 0 || (errno != EAGAIN && errno != EINTR))
					done = true;
			} else {
				if ((ev & (POLLIN | POLLHUP | POLLERR)) && !c->eof &&
				    c->len < 4 * CHUNK) {
					size_t tail = (c->head + c->len) % (4 * CHUNK);
					size_t room =
					    tail < c->head ? c->head - tail : 4 * CHUNK - tail;
					ssize_t n;

					n = read(c->fd, c->buf + tail, room);
					if (n > 0) {
						c->len += (size_t)n;
						c->bytes += (uint64_t)n;
					} else if (n == 0) {
						c->eof = true;
					} else if (errno != EAGAIN && errno != EINTR) {
						done = true;
					}
				}
				if (!done && c->len &&
				    (ev & (POLLOUT | POLLHUP | POLLERR | POLLIN))) {
					size_t first = 4 * CHUNK - c->head;
					ssize_t n;

					if (first > c->len)
						first = c->len;
					n = write(c->fd, c->buf + c->head, first);
					if (n > 0) {
						c->head = (c->head + (size_t)n) % (4 * CHUNK);
						c->len -= (size_t)n;
					} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
						done = true;
					}
				}
				if (c->eof && !c->len)
					done = true;
			}
			if (done)
				server_finish(s, k - 1);
		}
		if (p[0].revents & POLLIN)
			server_accept(s);
	}
	printf("SERVED=%llu\n", (unsigned long long)s->served);
	fflush(stdout);
	return s->failed ? 1 : 0;
}

/* A listening socket: AF_VSOCK on @port of any CID, or AF_UNIX at @path. */
static int listen_on(const char *kind, const char *where, char *addr, size_t addrlen)
{
	int fd;

	if (!strcmp(kind, "vsock")) {
		struct sockaddr_vm vm = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY};
		unsigned int port;

		if (!parse_port(where, &port))
			return fail("serve vsock: bad port '%s'", where), -1;
		vm.svm_port = port;
		fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return fail("serve vsock: socket: %s", strerror(errno)), -1;
		if (bind(fd, (struct sockaddr *)&vm, sizeof(vm)) < 0 || listen(fd, 128) < 0) {
			fail("serve vsock: port %u: %s", port, strerror(errno));
			close(fd);
			return -1;
		}
		snprintf(addr, addrlen, "vsock:%u", port);
		return fd;
	}
	if (!strcmp(kind, "unix")) {
		struct sockaddr_un un;
		struct stat st;

		if (!*where || strlen(where) >= sizeof(un.sun_path))
			return fail("serve unix: bad path '%s'", where), -1;
		/* A socket left by an earlier run is replaced; anything else is not. */
		if (lstat(where, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(where);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return fail("serve unix: socket: %s", strerror(errno)), -1;
		if (bind(fd, (struct sockaddr *)&un, unix_addr(&un, where)) < 0 ||
		    listen(fd, 128) < 0) {
			fail("serve unix: %s: %s", where, strerror(errno));
			close(fd);
			return -1;
		}
		snprintf(addr, addrlen, "unix:%s", where);
		return fd;
	}
	return fail("serve: the kind is vsock or unix, not '%s'", kind), -1;
}

static int cmd_serve(int argc, char **argv)
{
	struct server s = {0};
	char addr[160];
	int k, rc;

	if (argc < 4)
		return usage_text(stderr), 2;
	for (k = 4; k < argc; k++) {
		if (!strcmp(argv[k], "--sink")) {
			s.sink = true;
		} else if (!strcmp(argv[k], "--verbose")) {
			s.verbose = true;
		} else if (!strcmp(argv[k], "--count") && k + 1 < argc) {
			if (!parse_u64(argv[++k], &s.count) || !s.count)
				return fail("serve: --count wants a positive number"), 2;
		} else {
			fail("serve: unknown option '%s'", argv[k]);
			return 2;
		}
	}
	s.lfd = listen_on(argv[2], argv[3], addr, sizeof(addr));
	if (s.lfd < 0)
		return 1;
	printf("LISTENING=%s\n", addr);
	fflush(stdout);
	rc = serve(&s);
	close(s.lfd);
	return rc;
}

/*
 * selftest: the modes against each other over Unix sockets, and against a
 * stand-in for mvm's CONNECT protocol.
 */

/*
 * The stand-in for mvm: for "CONNECT 1" answer OK and echo, for
 * "CONNECT 3" echo with one byte changed, otherwise close.  Serves @n
 * connections one after the other.
 */
static int fake_mvm(int lfd, unsigned int n)
{
	static uint8_t buf[CHUNK];
	unsigned int k;

	set_nonblock(lfd, false);
	for (k = 0; k < n; k++) {
		char line[64];
		size_t len = 0;
		unsigned int port = 0;
		uint64_t total = 0;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			return 1;
		while (len < sizeof(line) - 1 && read(fd, line + len, 1) == 1)
			if (line[len++] == '\n')
				break;
		line[len] = 0;
		if (sscanf(line, "CONNECT %u\n", &port) != 1 || (port != 1 && port != 3)) {
			close(fd);
			continue;
		}
		dprintf(fd, "OK %u\n", 1073741824U + k);
		for (;;) {
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r <= 0)
				break;
			if (port == 3 && total <= 1000 && total + (uint64_t)r > 1000)
				buf[1000 - total] ^= 0x40;
			total += (uint64_t)r;
			if (write_all(fd, buf, (size_t)r) < 0)
				break;
		}
		close(fd);
	}
	return 0;
}

static pid_t spawn_server(int lfd, bool sink, uint64_t count, bool fake)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct server s = {.lfd = lfd, .sink = sink, .count = count};

		_exit(fake ? fake_mvm(lfd, (unsigned int)count) : serve(&s));
	}
	return pid;
}

static int reap(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return fail("selftest: the %s server failed", what);
	return 0;
}

static int cmd_selftest(void)
{
	char dir[] = "/tmp/vsock-tool-XXXXXX", echo_path[80], sink_path[80], mvm_path[80];
	char addr[160];
	struct target t;
	int lecho, lsink, lmvm, bad = 0;
	pid_t pecho, psink, pmvm;

	if (!mkdtemp(dir))
		return fail("selftest: mkdtemp: %s", strerror(errno));
	snprintf(echo_path, sizeof(echo_path), "%s/echo", dir);
	snprintf(sink_path, sizeof(sink_path), "%s/sink", dir);
	snprintf(mvm_path, sizeof(mvm_path), "%s/mvm.sock", dir);
	lecho = listen_on("unix", echo_path, addr, sizeof(addr));
	lsink = listen_on("unix", sink_path, addr, sizeof(addr));
	lmvm = listen_on("unix", mvm_path, addr, sizeof(addr));
	if (lecho < 0 || lsink < 0 || lmvm < 0)
		return 1;
	/* echo 1 + pingpong 1 + churn 50; send 2; mvm: echo, refused, pingpong, churn 20, bad echo
	 */
	pecho = spawn_server(lecho, false, 52, false);
	psink = spawn_server(lsink, true, 2, false);
	pmvm = spawn_server(lmvm, false, 24, true);

	snprintf(addr, sizeof(addr), "unix:%s", echo_path);
	parse_target(addr, &t);
	bad |= run_echo(&t, 3000017);
	bad |= run_pingpong(&t, 200, 64);
	bad |= run_churn(&t, 50);
	snprintf(addr, sizeof(addr), "unix:%s", sink_path);
	parse_target(addr, &t);
	bad |= run_send(&t, 5000000);
	bad |= run_send(&t, 0);
	snprintf(addr, sizeof(addr), "uds:%s:1", mvm_path);
	parse_target(addr, &t);
	bad |= run_echo(&t, 1000000);
	snprintf(addr, sizeof(addr), "uds:%s:2", mvm_path);
	parse_target(addr, &t);
	bad |= run_refused(&t);
	snprintf(addr, sizeof(addr), "uds:%s:1", mvm_path);
	parse_target(addr, &t);
	bad |= run_pingpong(&t, 100, 1000);
	bad |= run_churn(&t, 20);
	/* A corrupted echo must be caught. */
	snprintf(addr, sizeof(addr), "uds:%s:3", mvm_path);
	parse_target(addr, &t);
	fprintf(stderr, "%s: selftest: the next failure is expected:\n", prog);
	if (run_echo(&t, 100000) == 0)
		bad |= fail("selftest: a corrupted echo went unnoticed");
	snprintf(addr, sizeof(addr), "unix:%s/nobody", dir);
	parse_target(addr, &t);
	bad |= run_refused(&t);

	bad |= reap(pecho, "echo");
	bad |= reap(psink, "sink");
	bad |= reap(pmvm, "CONNECT");
	close(lecho);
	close(lsink);
	close(lmvm);
	unlink(echo_path);
	unlink(sink_path);
	unlink(mvm_path);
	rmdir(dir);
	printf("SELFTEST=%s\n", bad ? "FAILED" : "ok");
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct target t;
	uint64_t a, b;

	signal(SIGPIPE, SIG_IGN);
	stream_init();
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage_text(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc, argv);
	if (!strcmp(argv[1], "selftest") && argc == 2)
		return cmd_selftest();
	if (argc < 3 || parse_target(argv[2], &t))
		return usage_text(stderr), 2;
	if (!strcmp(argv[1], "echo") && argc == 4 && parse_u64(argv[3], &a))
		return run_echo(&t, a);
	if (!strcmp(argv[1], "send") && argc == 4 && parse_u64(argv[3], &a))
		return run_send(&t, a);
	if (!strcmp(argv[1], "pingpong") && argc == 5 && parse_u64(argv[3], &a) &&
	    parse_u64(argv[4], &b))
		return run_pingpong(&t, a, b);
	if (!strcmp(argv[1], "churn") && argc == 4 && parse_u64(argv[3], &a))
		return run_churn(&t, a);
	if (!strcmp(argv[1], "refused") && argc == 3)
		return run_refused(&t);
	usage_text(stderr);
	return 2;
}
