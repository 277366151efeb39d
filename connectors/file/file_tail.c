/* Follows one file like `tail -F`: line splitting over large reads,
 * truncation and rotation handling, resuming at a stored position, and
 * FIFOs and character devices read as streams without blocking. */
#include "file_tail.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice/util.h"

#define SL_TAIL_READ_SIZE_DEFAULT (64 * 1024)

/* What to do once the open file has been read to its end. */
typedef enum tail_switch {
	SW_NONE = 0,
	SW_REOPEN,   /* the path is another file now: open it at 0 */
	SW_CLOSE,    /* the path is gone: close and wait for it */
	SW_TRUNCATE, /* the file shrank below what was read: read it again from 0 */
} tail_switch_t;

struct sl_tail {
	char *path;
	char *open_name; /* the name the open file was opened by (path or a rotated name) */
	sl_tail_params_t p;
	int fd; /* -1 while waiting for the path */
	uint64_t ino;
	uint64_t dev;
	int64_t open_size;   /* size at open (fstat) */
	bool stream;         /* a FIFO or character device: no positions, no truncation */
	bool fifo;           /* a FIFO (read() returns 0 while it has no writer) */
	bool told_no_writer; /* the NO_WRITER event was handed out for this open */
	mode_t refused_mode; /* the type of the file open_file last refused, or 0 */

	/* buf[head, tail) holds bytes read but not handed out; buf[head] is at
	 * byte pos of the file. [head, head + scanned) has no '\n'. */
	char *buf;
	size_t cap, head, tail, scanned;
	/* Lines handed out stay where they are until sl_tail_release: held
	 * says buf has some, and a buffer that has to make way for a new
	 * one is kept in retired until then. */
	bool held;
	char **retired;
	size_t nretired, retired_cap;
	int64_t pos;
	bool skipping; /* inside a line longer than max_line: drop up to its '\n' */

	tail_switch_t sw;
	int64_t trunc_size;
	bool missing;
	int64_t missing_since;

	/* The stored position and inode, applied when the path is first found. */
	bool resume_pending;
	bool resume_searched;
	int64_t resume_pos;
	uint64_t resume_ino;

	/* One pending event or error, handed out by the next sl_tail_next. */
	sl_tail_kind_t pending;
	sl_tail_event_t event;
	bool event_warn;
	sl_buf_t msg;
};

static void set_pending(sl_tail_t *t, sl_tail_kind_t kind, sl_tail_event_t ev, bool warn,
			const char *fmt, ...) SL_PRINTF(5, 6);

static void set_pending(sl_tail_t *t, sl_tail_kind_t kind, sl_tail_event_t ev, bool warn,
			const char *fmt, ...)
{
	va_list ap;
	char tmp[1024];

	va_start(ap, fmt);
	sl_buf_reset(&t->msg);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(tmp)) {
		char *big = sl_malloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		sl_buf_append(&t->msg, big, (size_t)n);
		free(big);
	} else if (n > 0) {
		sl_buf_append(&t->msg, tmp, (size_t)n);
	}
	t->pending = kind;
	t->event = ev;
	t->event_warn = warn;
}

static int64_t read_pos(const sl_tail_t *t)
{
	return t->pos + (int64_t)(t->tail - t->head);
}

/* Keeps the buffer, which holds lines handed out, until sl_tail_release;
 * the tail goes on without one. */
static void retire(sl_tail_t *t)
{
	if (t->nretired == t->retired_cap) {
		t->retired_cap = t->retired_cap ? t->retired_cap * 2 : 8;
		t->retired = sl_realloc(t->retired, t->retired_cap * sizeof(*t->retired));
	}
	t->retired[t->nretired++] = t->buf;
	t->buf = NULL;
	t->cap = 0;
	t->held = false;
}

static void drop_buffer(sl_tail_t *t)
{
	if (t->held)
		retire(t);
	t->head = t->tail = t->scanned = 0;
	t->skipping = false;
}

static void close_fd(sl_tail_t *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	drop_buffer(t);
	free(t->buf);
	t->buf = NULL;
	t->cap = 0;
	t->missing = false;
}

static const char *type_name(mode_t mode)
{
	if (S_ISDIR(mode))
		return "directory";
	if (S_ISBLK(mode))
		return "block device";
	if (S_ISSOCK(mode))
		return "socket";
	if (S_ISFIFO(mode))
		return "FIFO";
	if (S_ISCHR(mode))
		return "character device";
	return "regular file";
}

/* Opens name as the followed file at byte 0 (no seek). O_NONBLOCK: a
 * FIFO opens without a writer and no read() waits. Returns 0, or -1 with
 * errno set (EINVAL and t->refused_mode for a type that is not read) and
 * the old state untouched. */
static int open_file(sl_tail_t *t, const char *name)
{
	struct stat st;
	int fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	int e;

	t->refused_mode = 0;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
		t->refused_mode = st.st_mode;
		errno = EINVAL;
		goto fail;
	}
	close_fd(t);
	t->fd = fd;
	t->ino = (uint64_t)st.st_ino;
	t->dev = (uint64_t)st.st_dev;
	t->open_size = (int64_t)st.st_size;
	t->stream = !S_ISREG(st.st_mode);
	t->fifo = S_ISFIFO(st.st_mode);
	t->told_no_writer = false;
	free(t->open_name);
	t->open_name = sl_strdup(name);
	t->pos = 0;
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* Makes the failure of open_file(t, name) the pending error. */
static void open_failed(sl_tail_t *t, const char *name)
{
	if (t->refused_mode)
		set_pending(t, SL_TAIL_ERROR, 0, true,
			    "file %s is a %s: only regular files, FIFOs and character devices "
			    "can be followed",
			    name, type_name(t->refused_mode));
	else
		set_pending(t, SL_TAIL_ERROR, 0, true, "file %s: cannot open: %s", name,
			    strerror(errno));
}

/* The event for a stream just opened. */
static void stream_opened(sl_tail_t *t)
{
	set_pending(t, SL_TAIL_EVENT, SL_TAIL_EV_STREAM, false,
		    "file %s is a %s (inode %llu): reading it as a stream, without offsets; "
		    "lines read but not yet acknowledged when the task stops are not read again",
		    t->path, t->fifo ? "FIFO" : "character device", (unsigned long long)t->ino);
}

/* Moves the open file to pos. Returns 0, or -1 with errno. */
static int seek_to(sl_tail_t *t, int64_t pos)
{
	if (lseek(t->fd, (off_t)pos, SEEK_SET) < 0)
		return -1;
	drop_buffer(t);
	t->pos = pos;
	return 0;
}

/* The name of a regular file in path's directory whose inode is ino
 * (malloc()ed "dir/name"), or NULL. */
static char *find_inode(const char *path, uint64_t ino)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? sl_strndup(path, slash == path ? 1 : (size_t)(slash - path))
			  : sl_strdup(".");
	char *found = NULL;
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		goto out;
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		if ((uint64_t)st.st_ino == ino) {
			found = sl_asprintf("%s/%s", dir, de->d_name);
			break;
		}
	}
	closedir(d);
out:
	free(dir);
	return found;
}

/* At start (or when the path first shows up), the stored inode is not the
 * path's: reads the rotated file with that inode first when it exists.
 * Returns true when it did. */
static bool resume_rotated(sl_tail_t *t)
{
	char *name = find_inode(t->path, t->resume_ino);
	bool done = false;

	t->resume_searched = true;
	if (!name || open_file(t, name) < 0)
		goto out;
	t->resume_pending = false;
	done = true;
	if (t->open_size < t->resume_pos || seek_to(t, t->resume_pos) < 0) {
		set_pending(
			t, SL_TAIL_EVENT, SL_TAIL_EV_TRUNCATED, true,
			"file %s: the stored inode %llu is now %s but it is shorter (%lld bytes) "
			"than the stored position %lld; reading it from byte 0",
			t->path, (unsigned long long)t->resume_ino, name, (long long)t->open_size,
			(long long)t->resume_pos);
		goto out;
	}
	set_pending(t, SL_TAIL_EVENT, SL_TAIL_EV_RESUMED_ROTATED, false,
		    "file %s was rotated while stopped: reading %s (the stored inode %llu) from "
		    "byte %lld to its end first",
		    t->path, name, (unsigned long long)t->resume_ino, (long long)t->resume_pos);
out:
	free(name);
	return done;
}

/* First open of the path: applies the stored position and inode. Returns
 * true when something happened (file opened, event or error pending). */
static bool open_initial(sl_tail_t *t)
{
	bool exists = open_file(t, t->path) == 0;

	if (!exists && errno != ENOENT) {
		open_failed(t, t->path);
		return true;
	}
	if (t->resume_ino && (!exists || t->ino != t->resume_ino) && !t->resume_searched &&
	    resume_rotated(t))
		return true;
	if (!exists)
		return false;
	t->resume_pending = false;
	if (t->stream) {
		stream_opened(t); /* no position to resume at */
	} else if (t->resume_ino && t->ino != t->resume_ino) {
		set_pending(t, SL_TAIL_EVENT, SL_TAIL_EV_INODE_NOT_FOUND, true,
			    "file %s: no file with the stored inode %llu (position %lld) is left; "
			    "reading the current file (inode %llu) from byte 0",
			    t->path, (unsigned long long)t->resume_ino, (long long)t->resume_pos,
			    (unsigned long long)t->ino);
	} else if (t->open_size < t->resume_pos) {
		set_pending(t, SL_TAIL_EVENT, SL_TAIL_EV_TRUNCATED, true,
			    "file %s is shorter (%lld bytes) than the stored position %lld: "
			    "truncated while stopped; reading it from byte 0",
			    t->path, (long long)t->open_size, (long long)t->resume_pos);
	} else if (seek_to(t, t->resume_pos) < 0) {
		set_pending(t, SL_TAIL_ERROR, 0, true, "file %s: cannot seek to %lld: %s", t->path,
			    (long long)t->resume_pos, strerror(errno));
		close_fd(t);
		t->resume_pending = true;
	} else {
		set_pending(t, SL_TAIL_EVENT, SL_TAIL_EV_OPENED, false,
			    "file %s (inode %llu) opened at byte %lld", t->path,
			    (unsigned long long)t->ino, (long long)t->pos);
	}
	return true;
}

/* While no file is open: opens the path when it is there. */
static bool open_waiting(sl_tail_t *t)
{
	if (t->resume_pending)
		return open_initial(t);
	if (open_file(t, t->path) < 0) {
		if (errno == ENOENT)
			return false;
		open_failed(t, t->path);
		return true;
	}
	if (t->stream) {
		stream_opened(t);
		return true;
	}
	set_pending(t, SL_TAIL_EVENT, SL_TAIL_EV_OPENED, false,
		    "file %s appeared (inode %llu); reading it from byte 0", t->path,
		    (unsigned long long)t->ino);
	return true;
}

/* Looks at the path; returns true when the state changed (a switch is
 * scheduled, a file opened, or an event is pending). Rotation and removal
 * are only scheduled at EOF of the open file. */
static bool check(sl_tail_t *t, bool at_eof)
{
	struct stat st;

	if (t->sw != SW_NONE)
		return false;
	if (t->fd < 0)
		return open_waiting(t);
	if (stat(t->path, &st) < 0) {
		int64_t now = sl_now_ms();

		if (!t->missing) {
			t->missing = true;
			t->missing_since = now;
		}
		if (!at_eof || now - t->missing_since < t->p.missing_wait_ms)
			return false;
		t->sw = SW_CLOSE;
		return true;
	}
	t->missing = false;
	if ((uint64_t)st.st_ino != t->ino || (uint64_t)st.st_dev != t->dev) {
		if (!at_eof)
			return false;
		t->sw = SW_REOPEN;
		return true;
	}
	if (!t->stream && (int64_t)st.st_size < read_pos(t)) {
		t->sw = SW_TRUNCATE;
		t->trunc_size = (int64_t)st.st_size;
		return true;
	}
	return false;
}

void sl_tail_check(sl_tail_t *t)
{
	check(t, false);
}

static void consume(sl_tail_t *t, size_t n)
{
	t->head += n;
	t->pos += (int64_t)n;
	t->scanned = 0;
}

/* Hands out the next complete (or too long) line from the buffer; NONE
 * when more bytes are needed. */
static sl_tail_kind_t take_line(sl_tail_t *t, sl_tail_item_t *item)
{
	for (;;) {
		char *start = t->buf + t->head;
		size_t avail = t->tail - t->head;
		char *nl = avail > t->scanned ? memchr(start + t->scanned, '\n', avail - t->scanned)
					      : NULL;

		if (t->skipping) {
			if (!nl) {
				consume(t, avail);
				return SL_TAIL_NONE;
			}
			consume(t, (size_t)(nl - start) + 1);
			t->skipping = false;
			continue;
		}
		item->inode = t->ino;
		item->stream = t->stream;
		if (nl) {
			size_t len = (size_t)(nl - start);

			if (len > t->p.max_line) {
				item->position = t->pos;
				item->long_len = len;
				consume(t, len + 1);
				return item->kind = SL_TAIL_LONG_LINE;
			}
			item->line = start;
			item->len = len;
			t->held = true;
			consume(t, len + 1);
			item->position = t->pos;
			return item->kind = SL_TAIL_LINE;
		}
		t->scanned = avail;
		if (avail <= t->p.max_line)
			return SL_TAIL_NONE;
		item->position = t->pos;
		item->long_len = avail;
		consume(t, avail);
		t->skipping = true;
		return item->kind = SL_TAIL_LONG_LINE;
	}
}

/* Moves the bytes not handed out yet into a new buffer with room for
 * want more, leaving the old one and its held lines as they are. */
static void move_to_new_buffer(sl_tail_t *t, size_t want)
{
	size_t left = t->tail - t->head;
	size_t cap = left + want > t->cap ? left + want : t->cap;
	char *buf = sl_malloc(cap);

	memcpy(buf, t->buf + t->head, left);
	retire(t);
	t->buf = buf;
	t->cap = cap;
	t->head = 0;
	t->tail = left;
}

/* Makes room for one read of read_size bytes: reuses the space of lines
 * released, grows up to max_line + read_size. */
static void make_room(sl_tail_t *t)
{
	size_t want = t->p.read_size;

	if (t->head == t->tail && !t->held)
		t->head = t->tail = t->scanned = 0;
	if (t->cap - t->tail >= want)
		return;
	if (t->held) {
		move_to_new_buffer(t, want);
		return;
	}
	if (t->head > 0) {
		memmove(t->buf, t->buf + t->head, t->tail - t->head);
		t->tail -= t->head;
		t->head = 0;
	}
	if (t->cap - t->tail >= want)
		return;
	size_t cap = t->cap * 2;
	if (cap < t->tail + want)
		cap = t->tail + want;
	if (cap > t->p.max_line + want + 1 && t->p.max_line + want + 1 >= t->tail + want)
		cap = t->p.max_line + want + 1;
	t->buf = sl_realloc(t->buf, cap);
	t->cap = cap;
}

/* Reads more of the open file. Returns bytes read, 0 at EOF or when a
 * stream has nothing now (a FIFO without a writer makes the NO_WRITER
 * event pending once), -1 on error (an error is pending). */
static ssize_t fill(sl_tail_t *t)
{
	ssize_t n;

	make_room(t);
	do {
		n = read(t->fd, t->buf + t->tail, t->cap - t->tail);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n == 0 && t->fifo && !t->told_no_writer) {
		t->told_no_writer = true;
		set_pending(t, SL_TAIL_EVENT, SL_TAIL_EV_NO_WRITER, false,
			    "waiting for a writer on FIFO %s", t->path);
		return 0;
	}
	if (n < 0) {
		set_pending(t, SL_TAIL_ERROR, 0, true, "file %s: read at byte %lld failed: %s",
			    t->open_name, (long long)read_pos(t), strerror(errno));
		return -1;
	}
	t->tail += (size_t)n;
	return n;
}

/* The open file is done (rotated, truncated or gone): hands out a final
 * line without '\n' whole, then switches. Returns LINE or NONE. */
static sl_tail_kind_t finish_switch(sl_tail_t *t, sl_tail_item_t *item)
{
	size_t avail = t->tail - t->head;
	uint64_t old_ino = t->ino;
	int64_t end;

	if (avail > 0 && !t->skipping) {
		item->line = t->buf + t->head;
		item->len = avail;
		t->held = true;
		item->inode = t->ino;
		item->stream = t->stream;
		consume(t, avail);
		item->position = t->pos;
		return item->kind = SL_TAIL_LINE;
	}
	consume(t, avail);
	drop_buffer(t);
	end = t->pos;
	tail_switch_t sw = t->sw;
	t->sw = SW_NONE;
	if (sw == SW_TRUNCATE) {
		if (seek_to(t, 0) < 0) {
			set_pending(t, SL_TAIL_ERROR, 0, true, "file %s: cannot seek to 0: %s",
				    t->path, strerror(errno));
			close_fd(t);
			return SL_TAIL_NONE;
		}
		set_pending(t, SL_TAIL_EVENT, SL_TAIL_EV_TRUNCATED, true,
			    "file %s was truncated to %lld bytes below the read position %lld; "
			    "reading it again from byte 0",
			    t->path, (long long)t->trunc_size, (long long)end);
		return SL_TAIL_NONE;
	}
	char *old_name = t->open_name;
	t->open_name = NULL;
	close_fd(t);
	if (sw == SW_CLOSE) {
		set_pending(t, SL_TAIL_EVENT, SL_TAIL_EV_REMOVED, true,
			    "file %s is gone: read %s (inode %llu) to its end at byte %lld and "
			    "closed it; waiting for the file to appear",
			    t->path, old_name, (unsigned long long)old_ino, (long long)end);
	} else if (open_file(t, t->path) == 0) {
		set_pending(t, SL_TAIL_EVENT, SL_TAIL_EV_ROTATED, false,
			    "file %s was rotated: read %s (inode %llu) to its end at byte %lld; "
			    "now reading the new file (inode %llu) from byte 0",
			    t->path, old_name, (unsigned long long)old_ino, (long long)end,
			    (unsigned long long)t->ino);
	} else {
		set_pending(t, SL_TAIL_EVENT, SL_TAIL_EV_ROTATED, false,
			    "file %s was rotated: read %s (inode %llu) to its end at byte %lld; "
			    "waiting for the new file",
			    t->path, old_name, (unsigned long long)old_ino, (long long)end);
	}
	free(old_name);
	return SL_TAIL_NONE;
}

/* The next line when the buffer holds a whole one that is not too long
 * and nothing else is due: most calls, without take_line's cases. */
static inline bool next_whole_line(sl_tail_t *t, sl_tail_item_t *item)
{
	if (t->pending != SL_TAIL_NONE || !t->buf || t->skipping)
		return false;
	char *start = t->buf + t->head;
	size_t avail = t->tail - t->head;
	char *nl = avail > t->scanned ? memchr(start + t->scanned, '\n', avail - t->scanned) : NULL;
	if (!nl || (size_t)(nl - start) > t->p.max_line)
		return false;
	size_t len = (size_t)(nl - start);
	consume(t, len + 1);
	t->held = true;
	*item = (sl_tail_item_t){.kind = SL_TAIL_LINE,
				 .line = start,
				 .len = len,
				 .position = t->pos,
				 .inode = t->ino,
				 .stream = t->stream};
	return true;
}

sl_tail_kind_t sl_tail_next(sl_tail_t *t, sl_tail_item_t *item)
{
	sl_tail_kind_t k;
	size_t got = 0; /* bytes read by this call */

	if (next_whole_line(t, item))
		return SL_TAIL_LINE;
	memset(item, 0, sizeof(*item));
	for (;;) {
		if (t->pending != SL_TAIL_NONE) {
			item->kind = t->pending;
			item->msg = t->msg.data ? t->msg.data : "";
			item->event = t->event;
			item->warn = t->event_warn;
			t->pending = SL_TAIL_NONE;
			return item->kind;
		}
		if (t->buf && (k = take_line(t, item)) != SL_TAIL_NONE)
			return k;
		if (got >= t->p.max_read) {
			item->more = !(t->stream && t->skipping);
			return item->kind = SL_TAIL_NONE;
		}
		ssize_t n = 0;
		if (t->fd >= 0 && t->sw != SW_TRUNCATE)
			n = fill(t);
		if (n > 0)
			got += (size_t)n;
		if (n != 0 || t->pending != SL_TAIL_NONE)
			continue;
		if (t->sw != SW_NONE) {
			if ((k = finish_switch(t, item)) != SL_TAIL_NONE)
				return k;
			continue;
		}
		if (!check(t, true))
			return item->kind = SL_TAIL_NONE;
	}
}

sl_tail_t *sl_tail_open(const char *path, int64_t position, uint64_t inode,
			const sl_tail_params_t *params)
{
	sl_tail_t *t = sl_calloc(1, sizeof(*t));

	t->path = sl_strdup(path);
	t->p = *params;
	if (t->p.max_line < 1)
		t->p.max_line = 1;
	if (t->p.read_size == 0)
		t->p.read_size = SL_TAIL_READ_SIZE_DEFAULT;
	if (t->p.max_read == 0)
		t->p.max_read = 16 * t->p.read_size;
	t->fd = -1;
	t->resume_pending = true;
	t->resume_pos = position > 0 ? position : 0;
	t->resume_ino = inode;
	open_initial(t);
	return t;
}

void sl_tail_release(sl_tail_t *t)
{
	for (size_t i = 0; i < t->nretired; i++)
		free(t->retired[i]);
	t->nretired = 0;
	t->held = false;
}

void sl_tail_close(sl_tail_t *t)
{
	if (!t)
		return;
	close_fd(t);
	sl_tail_release(t);
	free(t->retired);
	free(t->open_name);
	free(t->path);
	sl_buf_free(&t->msg);
	free(t);
}

const char *sl_tail_path(const sl_tail_t *t)
{
	return t->path;
}

bool sl_tail_is_open(const sl_tail_t *t)
{
	return t->fd >= 0;
}
