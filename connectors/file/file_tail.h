/* Follows one file like `tail -F`: hands out complete lines with the byte
 * position after each, survives truncation and rename rotation without
 * losing, duplicating or splitting a line, and resumes at a stored position
 * and inode (finding the rotated file by its inode when needed).
 *
 * A FIFO or character device is read as a stream: opened without blocking
 * (a FIFO needs no writer yet), never seeked, never taken for truncated;
 * its lines carry no position that could be resumed at.
 *
 * No call blocks: every file is read with O_NONBLOCK, and one
 * sl_tail_next reads at most max_read bytes before it returns.
 *
 * Knows nothing of the worker: the caller turns items into records and logs
 * the events. Not thread safe; one tail belongs to one task thread. */
#ifndef SL_FILE_TAIL_H
#define SL_FILE_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sl_tail sl_tail_t;

typedef struct sl_tail_params {
	/* Longest accepted line in bytes, without its '\n' (>= 1). A longer
	 * line is reported as SL_TAIL_LONG_LINE and skipped. */
	size_t max_line;
	/* Bytes asked for per read(); 0 means 64 KiB. The buffer (about this
	 * size, up to max_line + read_size for long lines) lives while the
	 * file is open. Tests use tiny values to put lines across buffer
	 * boundaries. */
	size_t read_size;
	/* How long the path may be missing while the old file is still open
	 * before the old file is read to its end and closed (a rename without
	 * a new file yet; data appended meanwhile is still read). <= 0 closes
	 * at the first check that finds the path missing. */
	int64_t missing_wait_ms;
	/* Most bytes one sl_tail_next call reads while no item is ready (a
	 * long line, or skipping one); 0 means 16 reads of read_size. Bounds
	 * the time of a call on endless input such as /dev/zero. */
	size_t max_read;
} sl_tail_params_t;

typedef enum sl_tail_kind {
	SL_TAIL_NONE = 0,  /* no complete line now: at EOF, or waiting for the file */
	SL_TAIL_LINE,      /* a complete line */
	SL_TAIL_LONG_LINE, /* a line longer than max_line (start, len so far); skipped */
	SL_TAIL_EVENT,     /* something the caller logs (msg, warn) */
	SL_TAIL_ERROR,     /* an I/O error (msg); retry later */
} sl_tail_kind_t;

typedef enum sl_tail_event {
	SL_TAIL_EV_OPENED = 1,      /* the file appeared or was opened at start */
	SL_TAIL_EV_RESUMED_ROTATED, /* at start, the stored inode was found under another name */
	SL_TAIL_EV_INODE_NOT_FOUND, /* at start, the stored inode is nowhere: new file from 0 */
	SL_TAIL_EV_TRUNCATED,       /* truncated (now or while down): reading again from 0 */
	SL_TAIL_EV_ROTATED,         /* old file read to its end, new file opened at 0 */
	SL_TAIL_EV_REMOVED,         /* path gone too long: old file closed, waiting */
	SL_TAIL_EV_STREAM,          /* a FIFO or character device opened: read without offsets */
	SL_TAIL_EV_NO_WRITER,       /* a FIFO has no writer (said once per open) */
} sl_tail_event_t;

typedef struct sl_tail_item {
	sl_tail_kind_t kind;
	/* LINE: the line without its '\n' ('\r' is kept as data). Points into
	 * the tail's buffer: valid until sl_tail_release or sl_tail_close,
	 * whatever the tail reads, checks or reopens meanwhile. */
	const char *line;
	size_t len;
	/* LINE: byte position after the line ('\n' included); LONG_LINE: the
	 * position where the line starts. */
	int64_t position;
	/* LONG_LINE: the bytes of the line seen so far (> max_line). */
	size_t long_len;
	/* LINE/LONG_LINE: inode of the file the line came from. */
	uint64_t inode;
	/* LINE/LONG_LINE: the file is a stream (FIFO, character device):
	 * position counts bytes since it was opened and cannot be resumed. */
	bool stream;
	/* NONE: the call stopped at max_read in the middle of a line with
	 * input waiting; call again without idling. Never set while skipping
	 * a too long line of a stream: an endless one (/dev/zero) is read no
	 * faster than the caller polls. */
	bool more;
	/* EVENT/ERROR: a human readable sentence naming the file (valid like
	 * line); EVENT: which one and whether it deserves a warning. */
	const char *msg;
	sl_tail_event_t event;
	bool warn;
} sl_tail_item_t;

/* Starts following path, resuming at position in the file with the given
 * inode (0 = unknown: trust position when the file is at least that long).
 * When the path's inode differs from a known one, the file with that inode
 * in the same directory (the rotated one) is read from position to its end
 * first, then the path from 0; when no such file exists the path is read
 * from 0 (an SL_TAIL_EV_INODE_NOT_FOUND event says so). A missing path is
 * waited for. Never fails for a missing file; returns a new tail (free with
 * sl_tail_close). */
sl_tail_t *sl_tail_open(const char *path, int64_t position, uint64_t inode,
			const sl_tail_params_t *params);
void sl_tail_close(sl_tail_t *t);

/* Fills *item with the next line or event, or SL_TAIL_NONE when there is
 * nothing now (or max_read bytes were read without completing an item:
 * see item->more). At EOF it checks the path for truncation and rotation
 * (see sl_tail_check). A final line without '\n' is returned only once its
 * file is rotated away, truncated or removed; until then it waits. */
sl_tail_kind_t sl_tail_next(sl_tail_t *t, sl_tail_item_t *item);

/* Looks at the path now (call at least once per poll even while data keeps
 * coming): a truncation is noticed at once, a rotation is acted on when the
 * old file reaches EOF. The outcome comes out of the next sl_tail_next. */
void sl_tail_check(sl_tail_t *t);

/* The lines handed out so far are no longer used: their bytes may be
 * read over. Until then a tail holds every line it handed out (a poll's
 * worth, when called once per poll). */
void sl_tail_release(sl_tail_t *t);

const char *sl_tail_path(const sl_tail_t *t);
/* True while a file is open (false while waiting for the path to appear). */
bool sl_tail_is_open(const sl_tail_t *t);

#endif
