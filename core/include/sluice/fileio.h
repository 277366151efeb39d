/* Whole-file reads and atomic whole-file writes. */
#ifndef SL_FILEIO_H
#define SL_FILEIO_H

#include <stddef.h>

/* Writes data to path atomically: temp file in the same directory, fsync,
 * rename over path, fsync the directory. On failure errstr says why and
 * path is untouched. */
int sl_file_write_atomic(const char *path, const void *data, size_t len, char *errstr,
			 size_t errstr_size);
/* Reads a whole file into a NUL-terminated malloc()ed buffer. NULL on
 * failure with errno set. */
char *sl_file_read_all(const char *path, size_t *len_out);

#endif
