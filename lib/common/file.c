/* file.c - see file.h. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int file_map(const char *path, const char *what, const uint8_t **data, size_t *len,
	     struct error *e)
{
	struct stat st;
	void *p;
	int fd, err;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		return error_set(e, err, "%s '%s': %s", what, path, strerror(-err));
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return error_set(e, err, "%s '%s': %s", what, path, strerror(-err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(e, -EINVAL, "%s '%s': not a regular file", what, path);
	}
	if (st.st_size == 0) {
		close(fd);
		return 0;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = -errno;
	close(fd);
	if (p == MAP_FAILED)
		return error_set(e, err, "%s '%s': mmap: %s", what, path, strerror(-err));
	*data = p;
	*len = (size_t)st.st_size;
	return 0;
}

void file_unmap(const uint8_t *data, size_t len)
{
	if (data && len)
		munmap((void *)data, len);
}

int file_read_all(const char *path, const char *what, size_t max, char **data, size_t *len,
		  struct error *e)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	int fd, err;

	*data = NULL;
	*len = 0;
	if (!buf)
		return error_set(e, -ENOMEM, "%s '%s': out of memory", what, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(buf);
		return error_set(e, err, "%s '%s': %s", what, path, strerror(-err));
	}
	for (;;) {
		ssize_t got;

		if (n + 1 == cap) {
			char *bigger = cap <= max ? realloc(buf, cap * 2) : NULL;

			if (!bigger) {
				close(fd);
				free(buf);
				if (cap <= max)
					return error_set(e, -ENOMEM, "%s '%s': out of memory", what, path);
				return error_set(e, -EFBIG, "%s '%s': larger than %zu bytes", what, path,
						 max);
			}
			buf = bigger;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			close(fd);
			free(buf);
			return error_set(e, err, "%s '%s': %s", what, path, strerror(-err));
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			close(fd);
			free(buf);
			return error_set(e, -EFBIG, "%s '%s': larger than %zu bytes", what, path, max);
		}
	}
	close(fd);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}
