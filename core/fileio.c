/* Whole-file reads and atomic whole-file writes. */
#include "sluice/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice/buf.h"
#include "sluice/mem.h"

static int fsync_dir_of(const char *path)
{
	char *copy = sl_strdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	free(copy);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int sl_file_write_atomic(const char *path, const void *data, size_t len, char *errstr,
			 size_t errstr_size)
{
	char *tmp = sl_asprintf("%s.tmp.%ld", path, (long)getpid());
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		sl_seterr(errstr, errstr_size, "%s: cannot create: %s", tmp, strerror(errno));
		goto out;
	}
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sl_seterr(errstr, errstr_size, "%s: write failed: %s", tmp,
				  strerror(errno));
			goto out_unlink;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) != 0) {
		sl_seterr(errstr, errstr_size, "%s: fsync failed: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) != 0) {
		sl_seterr(errstr, errstr_size, "%s: rename to %s failed: %s", tmp, path,
			  strerror(errno));
		goto out_unlink;
	}
	if (fsync_dir_of(path) != 0) {
		sl_seterr(errstr, errstr_size, "%s: fsync of directory failed: %s", path,
			  strerror(errno));
		goto out;
	}
	rc = 0;
	goto out;
out_unlink:
	unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	return rc;
}

char *sl_file_read_all(const char *path, size_t *len_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	sl_buf_t b = {0};
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			sl_buf_free(&b);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		sl_buf_append(&b, chunk, (size_t)n);
	}
	close(fd);
	if (len_out)
		*len_out = b.len;
	return sl_buf_steal(&b);
}
