/* file-sink: appends each record to a file as one line (the value, or a
 * JSON object with the record's metadata) and makes it durable on flush.
 *
 * Positions in a regular output file, from newest to oldest:
 *   buffered  lines formatted in st->buf, not yet written;
 *   len       the file's length after the last write that completed
 *             whole: always a record boundary;
 *   flushed   its length at the last successful flush. The consumer
 *             offsets committed after that flush cover exactly the records
 *             before it. A flush also stores it with the file, as the
 *             extended attribute user.sluice.flushed, before the fsync
 *             that makes both durable.
 *
 * A write that fails (disk full) is cut back to len and its lines stay
 * buffered, so a retry writes them whole and nothing twice. At start the
 * file is cut back to its flushed length: what follows was written after
 * the last flush, its records were not committed and are delivered again;
 * cutting it keeps a torn write from merging with the first record
 * replayed, also when a value holds newlines (format=value), which
 * "the file ends with a newline" cannot tell from a record boundary.
 * Without the attribute (a file system without user attributes, or a file
 * never flushed) the file is cut after its last newline instead. The sink
 * API has no way to store the length with the committed offsets; the
 * attribute travels with the file (its inode), which is what it measures.
 * The rules assume the sink is the file's only writer.
 *
 * A deleted or renamed output file is noticed before every write and
 * after every fsync, before a flush reports success. A renamed file keeps
 * its lines (it is synced before it is closed); a new file is created by
 * the name. A deleted file still holds, in its open inode, the bytes
 * since the flushed length: they are read back from it and written to the
 * new file first, since their records are not committed yet. So nothing
 * is kept in memory for it: the file is opened O_RDWR for that.
 *
 * FIFOs and devices (a tty, /dev/null) are written as streams: opened
 * O_NONBLOCK (a FIFO without a reader fails with ENXIO; it is waited for
 * inside put and flush, at most the task timeout per call), no length,
 * cut, attribute or fsync. A reader that goes away loses what it had not
 * read; the sink waits for the next one. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "file.h"
#include "sluice/connector.h"

/* put hands buffered lines to the file once this much is waiting. */
#define SL_FILE_SINK_WRITE_AT (1024 * 1024)
/* The extended attribute holding the flushed length (decimal text). */
#define SL_FILE_SINK_XATTR "user.sluice.flushed"
/* Bytes per read when copying a deleted file's unflushed bytes. */
#define SL_FILE_SINK_COPY_CHUNK (1024 * 1024)
/* Longest single wait for a FIFO's reader, so a stop is seen quickly. */
#define SL_FILE_SINK_WAIT_SLICE_MS 50

typedef struct file_sink_config {
	char *file;
	int format; /* sl_file_sink_format_t */
	bool fsync;
} file_sink_config_t;

/* The open output. */
typedef struct out_file {
	int fd;        /* -1 while a FIFO has no reader */
	bool regular;  /* a regular file: the positions above apply */
	bool readable; /* opened O_RDWR: a deleted file's bytes can be read back */
	uint64_t dev, ino;
	int64_t len;      /* regular: after the last whole write */
	int64_t flushed;  /* regular: at the last successful flush (at open: its length) */
	bool cut_pending; /* regular: a torn write is not cut back to len yet */
} out_file_t;

typedef struct file_sink_task {
	file_sink_config_t cfg;
	out_file_t out;
	sl_buf_t buf; /* formatted lines not yet written */
} file_sink_task_t;

static const char *const file_sink_aliases[] = {
	"FileStreamSink",
	"org.apache.kafka.connect.file.FileStreamSinkConnector",
	NULL,
};

static const char *const file_sink_formats[] = {"value", "json", NULL};

static const sl_option_t file_sink_options[] = {
	{.name = "file",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "The file records are appended to (created when missing, opened with "
		"O_APPEND); the sink should be its only writer. At start a regular file is "
		"cut back to its length at the last flush (kept with the file in the "
		"extended attribute user.sluice.flushed) or, without that attribute, after "
		"its last newline, so that records delivered again start on a line of their "
		"own. A file deleted or renamed while the sink runs is followed by its name: "
		"a new file is created, and the lines written to a deleted one since the "
		"last flush are written to the new one again before the flush succeeds. A "
		"FIFO or a device (a tty, /dev/null) is written as a stream; a FIFO without "
		"a reader is waited for (the task stays RUNNING, nothing is committed).",
	 SL_OPT_AT(file_sink_config_t, file)},
	{.name = "format",
	 .type = SL_OPT_ENUM,
	 .def = "value",
	 .enums = file_sink_formats,
	 .doc = "value: each record's value as one line, like Kafka Connect's FileStreamSink "
		"(strings and bytes raw, a JSON string without quotes, other JSON compact, a "
		"null value as the text null). json: one JSON object per line with topic, "
		"partition, offset, timestamp, key, value and headers (bytes as base64).",
	 SL_OPT_AT(file_sink_config_t, format)},
	{.name = "fsync",
	 .type = SL_OPT_BOOL,
	 .def = "true",
	 .doc = "When true a flush writes every buffered line and fsync()s the file before "
		"the consumer offsets are committed, so committed records survive a power "
		"loss. When false a flush only write()s: a crash of the machine (not of "
		"sluice) can lose the lines of the last seconds while their offsets are "
		"committed.",
	 SL_OPT_AT(file_sink_config_t, fsync)},
	SL_OPT_END,
};

/* ---- opening ----------------------------------------------------------- */

/* Whether a failed write(2) may succeed later (disk full, quota, I/O error,
 * a file too large that may be rotated away) rather than never. */
static bool write_error_passes(int err)
{
	return err != EBADF && err != EINVAL && err != EISDIR;
}

static bool is_fifo(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISFIFO(sb.st_mode);
}

/* Opens path for appending without blocking into *o (closed or not yet
 * open). A regular file (or a missing one, created) is opened O_RDWR, or
 * O_WRONLY when it may not be read; anything else O_WRONLY | O_NONBLOCK
 * (a FIFO without a reader: -1 with ENXIO). Returns 0, or -1 with errno. */
static int open_out(const char *path, out_file_t *o)
{
	struct stat sb;
	bool stream = stat(path, &sb) == 0 && !S_ISREG(sb.st_mode);
	int common = O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY;
	int fd = -1;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if (!stream) {
		fd = open(path, O_RDWR | common, 0644);
		o->readable = fd >= 0;
		if (fd >= 0 && (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))) {
			close(fd); /* it became a FIFO meanwhile: we would be its reader */
			fd = -1;
			o->readable = false;
			stream = true;
		} else if (fd < 0 && errno != EACCES) {
			return -1;
		}
	}
	if (fd < 0)
		fd = open(path, O_WRONLY | common | (stream ? O_NONBLOCK : 0), 0644);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	o->fd = fd;
	o->regular = S_ISREG(sb.st_mode);
	o->dev = (uint64_t)sb.st_dev;
	o->ino = (uint64_t)sb.st_ino;
	o->len = o->flushed = o->regular ? (int64_t)sb.st_size : 0;
	return 0;
}

/* The length stored by the last flush (-1 when none or unreadable). */
static int64_t stored_flushed(int fd)
{
	char v[32];
	ssize_t n = fgetxattr(fd, SL_FILE_SINK_XATTR, v, sizeof(v) - 1);
	int64_t len;

	if (n <= 0)
		return -1;
	v[n] = '\0';
	return sl_parse_int64(v, &len) == 0 && len >= 0 ? len : -1;
}

/* Records len as the file's flushed length. A file system without user
 * attributes is fine (the newline rule applies); on any other failure a
 * stale attribute is removed, since a length below committed records
 * would cut them at the next start. Returns 0, or -1 with errno when the
 * attribute is neither set nor gone. */
static int store_flushed(int fd, int64_t len)
{
	char v[32];
	int n = snprintf(v, sizeof(v), "%lld", (long long)len);

	if (fsetxattr(fd, SL_FILE_SINK_XATTR, v, (size_t)n, 0) == 0 || errno == ENOTSUP)
		return 0;
	int e = errno;
	if (fremovexattr(fd, SL_FILE_SINK_XATTR) == 0 || errno == ENODATA)
		return 0;
	errno = e;
	return -1;
}

/* The length just after the last '\n' in the file's first size bytes (0
 * when there is none), or -1 with errno when it cannot be read. */
static int64_t after_last_newline(int fd, int64_t size)
{
	char chunk[65536];
	int64_t end = size;

	while (end > 0) {
		int64_t from = end > (int64_t)sizeof(chunk) ? end - (int64_t)sizeof(chunk) : 0;
		ssize_t n = pread(fd, chunk, (size_t)(end - from), (off_t)from);

		if (n < 0 && errno == EINTR)
			continue;
		if (n != end - from) {
			if (n >= 0)
				errno = EIO; /* shorter than fstat said: someone cut it */
			return -1;
		}
		for (ssize_t i = n; i > 0; i--)
			if (chunk[i - 1] == '\n')
				return from + i;
		end = from;
	}
	return 0;
}

/* Cuts a regular file just opened back to a record boundary (see the top)
 * and logs what was cut and why. SL_FAIL when it cannot. */
static sl_rc_t cut_at_start(sl_task_ctx_t *ctx, file_sink_task_t *st)
{
	out_file_t *o = &st->out;
	int64_t keep = stored_flushed(o->fd);
	const char *why = "written after the last flush, so its records were not committed and "
			  "are delivered again";

	if (keep < 0 || keep > o->len) { /* none, or the file was cut shorter by someone */
		why = "a last line without its newline, left by a write cut short";
		keep = o->readable ? after_last_newline(o->fd, o->len) : o->len;
		if (keep < 0) {
			sl_task_fail(ctx, "file %s: cannot read its end to find the last line: %s",
				     st->cfg.file, strerror(errno));
			return SL_FAIL;
		}
	}
	if (keep == o->len)
		return SL_OK;
	if (ftruncate(o->fd, (off_t)keep) < 0) {
		sl_task_fail(ctx, "file %s: cannot cut it back to byte %lld (%s): %s", st->cfg.file,
			     (long long)keep, why, strerror(errno));
		return SL_FAIL;
	}
	SL_TASK_WARN(ctx, "file %s: cut %lld bytes after byte %lld: %s", st->cfg.file,
		     (long long)(o->len - keep), (long long)keep, why);
	o->len = o->flushed = keep;
	return SL_OK;
}

/* Opens the output when it is not open (a FIFO that had no reader),
 * waiting for a reader up to the task timeout or a stop request. */
static sl_rc_t ensure_open(sl_task_ctx_t *ctx, file_sink_task_t *st)
{
	int64_t deadline = sl_now_ms() + sl_task_timeout_ms(ctx);

	while (st->out.fd < 0) {
		if (open_out(st->cfg.file, &st->out) == 0) {
			SL_TASK_INFO(ctx, "%s %s is open again: writing to it",
				     is_fifo(st->cfg.file) ? "FIFO" : "file", st->cfg.file);
			break;
		}
		if (errno != ENXIO || !is_fifo(st->cfg.file)) {
			sl_task_fail(ctx, "file %s: cannot open for appending: %s", st->cfg.file,
				     strerror(errno));
			return SL_RETRY;
		}
		if (sl_task_stopping(ctx) || sl_now_ms() >= deadline) {
			sl_task_fail(ctx, "waiting for a reader on FIFO %s", st->cfg.file);
			return SL_RETRY;
		}
		sl_task_wait(ctx, SL_FILE_SINK_WAIT_SLICE_MS);
	}
	return SL_OK;
}

/* ---- a replaced file ------------------------------------------------------ */

/* Whether the open regular file is no longer the one the path names;
 * *deleted when it has no name left at all. */
static bool replaced(const file_sink_task_t *st, bool *deleted)
{
	struct stat a, b;

	*deleted = fstat(st->out.fd, &a) == 0 && a.st_nlink == 0;
	if (*deleted)
		return true;
	if (stat(st->cfg.file, &b) < 0)
		return errno == ENOENT;
	return (uint64_t)b.st_dev != st->out.dev || (uint64_t)b.st_ino != st->out.ino;
}

/* Writes all of data[0, n) to fd. Returns 0, or -1 with errno. */
static int write_all(int fd, const char *data, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, data, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		data += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copies the deleted file's bytes since its flushed length to the new
 * regular file nf; on failure nf is cut back to where it was. */
static sl_rc_t copy_unflushed(sl_task_ctx_t *ctx, file_sink_task_t *st, out_file_t *nf)
{
	out_file_t *old = &st->out;
	char *chunk = sl_malloc(SL_FILE_SINK_COPY_CHUNK);
	int64_t at = old->flushed;
	sl_rc_t rc = SL_OK;

	while (at < old->len && rc == SL_OK) {
		size_t want = (size_t)(old->len - at) < SL_FILE_SINK_COPY_CHUNK
				      ? (size_t)(old->len - at)
				      : SL_FILE_SINK_COPY_CHUNK;
		ssize_t n = sl_task_stopping(ctx) ? 0 : pread(old->fd, chunk, want, (off_t)at);

		if (sl_task_stopping(ctx)) {
			sl_task_fail(ctx,
				     "file %s: stopping while copying the deleted file's lines",
				     st->cfg.file);
			rc = SL_RETRY;
		} else if (n <= 0) {
			sl_task_fail(ctx,
				     "file %s: cannot read back byte %lld of the deleted file: %s",
				     st->cfg.file, (long long)at,
				     n < 0 ? strerror(errno) : "end of file");
			rc = n < 0 ? SL_RETRY : SL_FAIL;
		} else if (write_all(nf->fd, chunk, (size_t)n) < 0) {
			sl_task_fail(ctx,
				     "file %s: writing the deleted file's lines to the new file "
				     "failed: %s",
				     st->cfg.file, strerror(errno));
			rc = write_error_passes(errno) ? SL_RETRY : SL_FAIL;
		} else {
			at += n;
		}
	}
	free(chunk);
	if (rc != SL_OK) {
		if (ftruncate(nf->fd, (off_t)nf->len) < 0)
			SL_TASK_WARN(ctx, "file %s: cannot cut the new file back to byte %lld: %s",
				     st->cfg.file, (long long)nf->len, strerror(errno));
		return rc;
	}
	nf->len += old->len - old->flushed; /* nf->flushed stays: nothing of it is synced */
	return SL_OK;
}

/* The old file of a switch: a deleted one hands its unflushed bytes to the
 * new file nf, a renamed one is made durable as it is. */
static sl_rc_t settle_old(sl_task_ctx_t *ctx, file_sink_task_t *st, out_file_t *nf, bool deleted)
{
	out_file_t *old = &st->out;

	if (!deleted) {
		if (store_flushed(old->fd, old->len) < 0 || (st->cfg.fsync && fsync(old->fd) < 0)) {
			sl_task_fail(ctx,
				     "file %s was renamed; syncing the renamed file failed: %s",
				     st->cfg.file, strerror(errno));
			return SL_FAIL;
		}
		return SL_OK;
	}
	if (old->len == old->flushed)
		return SL_OK;
	if (!old->readable || !nf->regular) {
		sl_task_fail(
			ctx,
			"file %s was deleted and its %lld bytes since the last flush cannot be "
			"written again (%s); failing, so that their records are delivered again "
			"after a restart",
			st->cfg.file, (long long)(old->len - old->flushed),
			!old->readable ? "it was opened write-only" : "the new file is a stream");
		return SL_FAIL;
	}
	return copy_unflushed(ctx, st, nf);
}

/* The path names another file, or none: goes on with a file opened (and
 * created) by the name. The old file stays open when anything fails. */
static sl_rc_t switch_file(sl_task_ctx_t *ctx, file_sink_task_t *st, bool deleted)
{
	out_file_t nf;
	int64_t unflushed = st->out.len - st->out.flushed;
	sl_rc_t rc;

	if (open_out(st->cfg.file, &nf) < 0) {
		sl_task_fail(ctx, "file %s was %s; cannot open a new one by the name: %s",
			     st->cfg.file, deleted ? "deleted" : "renamed", strerror(errno));
		return SL_RETRY;
	}
	if ((rc = settle_old(ctx, st, &nf, deleted)) != SL_OK) {
		close(nf.fd);
		return rc;
	}
	close(st->out.fd);
	st->out = nf;
	if (deleted)
		SL_TASK_WARN(ctx,
			     "file %s was deleted: writing to a new file by the name, starting "
			     "with the %lld bytes written since the last flush",
			     st->cfg.file, (long long)unflushed);
	else
		SL_TASK_INFO(ctx,
			     "file %s was renamed: it keeps its lines; writing to a new file "
			     "by the name",
			     st->cfg.file);
	return SL_OK;
}

/* ---- writing --------------------------------------------------------------- */

/* Cuts a torn write off a regular file (back to out.len). */
static int cut_back(file_sink_task_t *st)
{
	st->out.cut_pending = ftruncate(st->out.fd, (off_t)st->out.len) < 0;
	return st->out.cut_pending ? -1 : 0;
}

/* Writes the buffer to a regular file whole, or cuts off what was written
 * of it and keeps it buffered. */
static sl_rc_t write_regular(sl_task_ctx_t *ctx, file_sink_task_t *st)
{
	out_file_t *o = &st->out;
	size_t done = 0;

	if (o->cut_pending && cut_back(st) < 0) {
		sl_task_fail(ctx, "file %s: cannot cut a torn write back to byte %lld: %s",
			     st->cfg.file, (long long)o->len, strerror(errno));
		return SL_RETRY;
	}
	while (done < st->buf.len) {
		ssize_t n = write(o->fd, st->buf.data + done, st->buf.len - done);

		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		int err = errno;
		bool cut = done == 0 || cut_back(st) == 0;
		sl_task_fail(ctx, "file %s: writing %zu bytes of lines at byte %lld failed: %s; %s",
			     st->cfg.file, st->buf.len, (long long)o->len, strerror(err),
			     cut ? "they stay buffered and are written whole on the next try"
				 : "the part written could not be cut off yet");
		return write_error_passes(err) ? SL_RETRY : SL_FAIL;
	}
	o->len += (int64_t)done;
	sl_buf_reset(&st->buf);
	return SL_OK;
}

/* Waits until a stream can take more bytes, at most until deadline or a
 * stop request. */
static bool wait_writable(sl_task_ctx_t *ctx, int fd, int64_t deadline)
{
	while (!sl_task_stopping(ctx)) {
		int64_t left = deadline - sl_now_ms();
		struct pollfd p = {.fd = fd, .events = POLLOUT};

		if (left <= 0)
			return false;
		if (poll(&p, 1,
			 left < SL_FILE_SINK_WAIT_SLICE_MS ? (int)left
							   : SL_FILE_SINK_WAIT_SLICE_MS) > 0)
			return true;
	}
	return false;
}

/* Writes the buffer to a FIFO or device; what was written leaves the
 * buffer (a stream cannot take it back). */
static sl_rc_t write_stream(sl_task_ctx_t *ctx, file_sink_task_t *st)
{
	int64_t deadline = sl_now_ms() + sl_task_timeout_ms(ctx);
	size_t done = 0;
	sl_rc_t rc = SL_OK;

	while (done < st->buf.len && rc == SL_OK) {
		ssize_t n = write(st->out.fd, st->buf.data + done, st->buf.len - done);

		if (n >= 0)
			done += (size_t)n;
		else if (errno == EINTR ||
			 (errno == EAGAIN && wait_writable(ctx, st->out.fd, deadline)))
			continue;
		else if (errno == EAGAIN) {
			sl_task_fail(ctx, "file %s: its reader takes no more: %zu bytes wait",
				     st->cfg.file, st->buf.len - done);
			rc = SL_RETRY;
		} else if (errno == EPIPE) {
			close(st->out.fd);
			st->out.fd = -1;
			sl_task_fail(ctx,
				     "the reader of FIFO %s went away (what it had not read is "
				     "lost); waiting for a reader on FIFO %s",
				     st->cfg.file, st->cfg.file);
			rc = SL_RETRY;
		} else {
			sl_task_fail(ctx, "file %s: write failed: %s", st->cfg.file,
				     strerror(errno));
			rc = write_error_passes(errno) ? SL_RETRY : SL_FAIL;
		}
	}
	memmove(st->buf.data, st->buf.data + done, st->buf.len - done);
	st->buf.len -= done;
	return rc;
}

/* Writes every buffered byte. SL_RETRY for what may pass (disk full, I/O
 * error, no reader yet or one that does not read within the task
 * timeout), SL_FAIL when the file itself is unusable. */
static sl_rc_t write_out(sl_task_ctx_t *ctx, file_sink_task_t *st)
{
	bool deleted;
	sl_rc_t rc;

	if (st->buf.len == 0)
		return SL_OK;
	if ((rc = ensure_open(ctx, st)) != SL_OK)
		return rc;
	if (!st->out.regular)
		return write_stream(ctx, st);
	if (replaced(st, &deleted) && (rc = switch_file(ctx, st, deleted)) != SL_OK)
		return rc;
	return write_regular(ctx, st);
}

/* ---- the task ---------------------------------------------------------- */

static void free_task(file_sink_task_t *st)
{
	if (!st)
		return;
	if (st->out.fd >= 0)
		close(st->out.fd);
	sl_buf_free(&st->buf);
	sl_options_free(file_sink_options, &st->cfg);
	free(st);
}

/* Never blocks: a FIFO without a reader is waited for in put and flush. */
static sl_rc_t file_sink_start(sl_task_ctx_t *ctx, const sl_config_t *config)
{
	file_sink_task_t *st = sl_calloc(1, sizeof(*st));
	sl_errlist_t errs = {0};
	sl_rc_t rc = SL_FAIL;

	st->out.fd = -1;
	if (sl_options_load(file_sink_options, config, &st->cfg, &errs) != 0) {
		sl_task_fail(ctx, "%s", errs.count ? errs.items[0] : "bad configuration");
		goto out;
	}
	if (open_out(st->cfg.file, &st->out) < 0) {
		if (errno != ENXIO || !is_fifo(st->cfg.file)) {
			sl_task_fail(ctx, "file %s: cannot open for appending: %s", st->cfg.file,
				     strerror(errno));
			goto out;
		}
		SL_TASK_INFO(ctx, "waiting for a reader on FIFO %s", st->cfg.file);
	} else if (st->out.regular && cut_at_start(ctx, st) != SL_OK) {
		goto out;
	}
	sl_buf_reserve(&st->buf, SL_FILE_SINK_WRITE_AT);
	/* Only the json format writes headers; value lines need none. */
	sl_task_set_sink_headers(ctx, st->cfg.format == SL_FILE_SINK_FORMAT_JSON);
	SL_TASK_INFO(ctx, "appending to %s (format %s, fsync %s)", st->cfg.file,
		     file_sink_formats[st->cfg.format], st->cfg.fsync ? "on" : "off");
	sl_task_set_data(ctx, st);
	st = NULL;
	rc = SL_OK;
out:
	free_task(st);
	sl_errlist_free(&errs);
	return rc;
}

/* Buffers the records' lines. A put that does not return SL_OK has taken
 * none of its records, so the worker may hand the same records again. */
static sl_rc_t file_sink_put(sl_task_ctx_t *ctx, sl_record_t *records, size_t count)
{
	file_sink_task_t *st = sl_task_data(ctx);
	sl_rc_t rc;

	if (st->buf.len >= SL_FILE_SINK_WRITE_AT && (rc = write_out(ctx, st)) != SL_OK)
		return rc;
	for (size_t i = 0; i < count; i++)
		sl_file_sink_format_record(&st->buf, &records[i], st->cfg.format);
	return SL_OK;
}

/* Stores the flushed length with the file and fsync()s it. An fsync
 * failure is fatal, not retried: after a failed fsync Linux may drop the
 * dirty pages and a second fsync reports success, so only a restart from
 * the committed offsets (which writes the records again) is safe. */
static sl_rc_t sync_file(sl_task_ctx_t *ctx, file_sink_task_t *st)
{
	if (store_flushed(st->out.fd, st->out.len) < 0) {
		sl_task_fail(ctx, "file %s: cannot store its flushed length (attribute %s): %s",
			     st->cfg.file, SL_FILE_SINK_XATTR, strerror(errno));
		return SL_RETRY;
	}
	if (st->cfg.fsync && fsync(st->out.fd) < 0) {
		sl_task_fail(ctx,
			     "file %s: fsync failed: %s; the records since the last commit "
			     "will be written again after a restart",
			     st->cfg.file, strerror(errno));
		return SL_FAIL;
	}
	return SL_OK;
}

/* Writes the rest and makes it durable in the file the path names: a file
 * deleted or renamed meanwhile is switched for a new one (with the
 * unflushed bytes of a deleted one) and that one is synced in turn. */
static sl_rc_t file_sink_flush(sl_task_ctx_t *ctx)
{
	file_sink_task_t *st = sl_task_data(ctx);
	sl_rc_t rc = write_out(ctx, st);
	bool deleted;

	if (rc != SL_OK || st->out.fd < 0 || !st->out.regular)
		return rc; /* a stream has nothing to sync */
	for (int round = 0;; round++) {
		if ((rc = sync_file(ctx, st)) != SL_OK)
			return rc;
		if (!replaced(st, &deleted))
			break;
		if (round == 3) {
			sl_task_fail(ctx, "file %s keeps being replaced while it is flushed",
				     st->cfg.file);
			return SL_RETRY;
		}
		if ((rc = switch_file(ctx, st, deleted)) != SL_OK)
			return rc;
	}
	st->out.flushed = st->out.len;
	return SL_OK;
}

/* Lines buffered since the last flush are dropped, not written: their
 * offsets are not committed, so they are delivered again (and lines
 * written since are cut at the next start). */
static void file_sink_stop(sl_task_ctx_t *ctx)
{
	free_task(sl_task_data(ctx));
	sl_task_set_data(ctx, NULL);
}

static const sl_sink_ops_t file_sink_ops = {
	.start = file_sink_start,
	.put = file_sink_put,
	.flush = file_sink_flush,
	.stop = file_sink_stop,
};

const sl_connector_t file_sink_connector = {
	.name = "file-sink",
	.aliases = file_sink_aliases,
	.kind = SL_SINK,
	.doc = "Appends the records of its topics to one file, one line per record, like Kafka "
	       "Connect's FileStreamSink (format value) or as JSON objects carrying the "
	       "record's topic, partition, offset, timestamp, key, value and headers (format "
	       "json). Lines are buffered in memory and written in large writes; a flush "
	       "writes the rest and, with fsync (the default), syncs the file before the "
	       "consumer offsets are committed, so every committed record is on disk and a "
	       "restart at worst writes the records since the last commit again "
	       "(at-least-once). A failed write (disk full, quota, I/O error, a FIFO "
	       "without a reader) is cut off the file and retried until it succeeds, with "
	       "its lines written whole and once; a failed fsync, or a file the sink "
	       "cannot use at all, fails the task.",
	.options = file_sink_options,
	.sink = &file_sink_ops,
};
