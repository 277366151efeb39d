/* file-source: follows files (a path or a glob) like `tail -F` and turns
 * every line into a record, resuming at the stored byte position. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"
#include "file_tail.h"
#include "sluice/array.h"
#include "sluice/connector.h"

/* How long a vanished file stays open (late writes to a renamed file are
 * still read) before it is read to its end and closed. */
#define SL_FILE_SOURCE_MISSING_WAIT_MS 5000
/* A poll stops adding lines once they hold this many bytes: its lines stay
 * in memory until the producer has copied them, and batch.size=10000 lines
 * of 1 KB would hold 10 MB. */
#define SL_FILE_SOURCE_POLL_BYTES (1024 * 1024)

typedef struct file_source_config {
	char *file;
	char *topic;
	int64_t batch_size;
	int64_t max_line_bytes;
	bool parse_key;
	char *key_separator;
	int64_t poll_interval_ms;
} file_source_config_t;

/* One followed file. tail is NULL for a path that cannot be used (its name
 * is not UTF-8, so it cannot be a source partition): it is warned about
 * once and remembered so that later glob passes skip it quietly. */
typedef struct file_source_file {
	char *path;
	sl_tail_t *tail;
	json_t *partition; /* {"filename": path}, shared by every record of the file */
	bool matched;      /* matched by the latest glob expansion */
	int64_t position;  /* after the latest line read (for the bytes-behind gauge) */
} file_source_file_t;

typedef struct file_source_task {
	file_source_config_t cfg;
	bool is_glob;
	file_source_file_t *files;
	size_t nfiles, cap;
	size_t next; /* the file the next poll starts with (round robin) */
	int64_t next_scan_ms;
	int64_t next_gauge_ms; /* when the bytes-behind gauge is next set */
} file_source_task_t;

static const char *const file_source_aliases[] = {
	"FileStreamSource",
	"org.apache.kafka.connect.file.FileStreamSourceConnector",
	NULL,
};

static const sl_option_t file_source_options[] = {
	{.name = "file",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "The file to follow, or a glob(3) pattern (*, ?, [...], {a,b}) naming several; "
		"a glob is expanded again every poll.interval.ms to pick up new files. Each "
		"file is its own source partition {\"filename\": path}.",
	 SL_OPT_AT(file_source_config_t, file)},
	{.name = "topic",
	 .type = SL_OPT_STRING,
	 .required = true,
	 .doc = "The topic every line is written to.",
	 .check = sl_opt_check_topic,
	 SL_OPT_AT(file_source_config_t, topic)},
	{.name = "batch.size",
	 .type = SL_OPT_INT,
	 .def = "2000",
	 .doc = "The most records one poll returns (Kafka Connect's key). A poll also stops "
		"once its lines hold 1 MiB, so long lines do not fill memory.",
	 SL_OPT_MIN(1),
	 SL_OPT_AT(file_source_config_t, batch_size)},
	{.name = "max.line.bytes",
	 .type = SL_OPT_INT,
	 .def = "1048576",
	 .doc = "The longest line in bytes (without its newline). A longer line is never cut: "
		"it goes through the error policy (errors.tolerance) and is skipped.",
	 SL_OPT_MIN(1),
	 SL_OPT_MAX(1073741824),
	 SL_OPT_AT(file_source_config_t, max_line_bytes)},
	{.name = "parse.key",
	 .type = SL_OPT_BOOL,
	 .def = "false",
	 .doc = "Like kafka-console-producer's parse.key: the text before the first "
		"key.separator is the record key (a string), the rest the value. A line "
		"without the separator goes through the error policy.",
	 SL_OPT_AT(file_source_config_t, parse_key)},
	{.name = "key.separator",
	 .type = SL_OPT_STRING,
	 .def = "\t",
	 .doc = "Separates key and value when parse.key is true (default a tab); not empty.",
	 SL_OPT_AT(file_source_config_t, key_separator)},
	{.name = "poll.interval.ms",
	 .type = SL_OPT_INT,
	 .def = "200",
	 .doc = "While idle, how often to look for new data, truncation, rotation and new "
		"glob matches. An endless line of a FIFO or device (/dev/zero) is skipped "
		"about 1 MiB per interval, so it cannot keep the task busy.",
	 SL_OPT_MIN(1),
	 SL_OPT_AT(file_source_config_t, poll_interval_ms)},
	SL_OPT_END,
};

int sl_file_source_task_for(const char *path, int task_count)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 */

	if (task_count <= 1)
		return 0;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return (int)(h % (uint64_t)task_count);
}

static bool is_glob(const char *file)
{
	return strpbrk(file, "*?[{") != NULL;
}

/* Reads a stored offset {"position": bytes, "inode": n} (off may be NULL:
 * none stored, *pos and *inode are 0). Returns NULL, or what is wrong
 * with it. The inode is optional (Kafka Connect's offsets lack it); it is
 * written as the signed JSON integer of the inode, so any integer is one. */
static const char *offset_problem(const json_t *off, int64_t *pos, uint64_t *inode)
{
	const json_t *p = json_object_get(off, "position");
	const json_t *i = json_object_get(off, "inode");

	*pos = 0;
	*inode = 0;
	if (!off || json_is_null(off))
		return NULL;
	if (!json_is_object(off))
		return "the offset is not a JSON object";
	if (!json_is_integer(p) || json_integer_value(p) < 0)
		return "its \"position\" is not a byte position (an integer >= 0)";
	if (i && !json_is_integer(i))
		return "its \"inode\" is not an integer";
	*pos = json_integer_value(p);
	*inode = i ? (uint64_t)json_integer_value(i) : 0;
	return NULL;
}

/* Reads the stored offset of f into *pos / *inode (0 when none is stored).
 * One that cannot be read fails the task: starting at byte 0 instead would
 * send the whole file again, without a word. */
static sl_rc_t stored_offset(sl_task_ctx_t *ctx, const file_source_file_t *f, int64_t *pos,
			     uint64_t *inode)
{
	json_t *off = sl_task_stored_offset(ctx, f->partition);
	const char *why = offset_problem(off, pos, inode);
	char *part, *entry;

	if (!why) {
		json_decref(off);
		return SL_OK;
	}
	part = json_dumps(f->partition, JSON_COMPACT);
	entry = json_dumps(off, JSON_COMPACT | JSON_ENCODE_ANY);
	sl_task_fail(ctx,
		     "connector %s: the stored offset of source partition %s cannot be used: %s "
		     "(%s); not starting from byte 0 instead, which would send the file again. "
		     "To start over, stop the worker and run `sluice offsets reset --connector %s` "
		     "(with its -w worker config)",
		     sl_task_connector_name(ctx), part ? part : "?", entry ? entry : "?", why,
		     sl_task_connector_name(ctx));
	free(part);
	free(entry);
	json_decref(off);
	return SL_FAIL;
}

/* Why path cannot be followed (a directory, a block device, a socket), or
 * NULL: regular files, FIFOs and character devices can, and so can a path
 * that does not exist yet. */
static const char *type_problem(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) < 0 || S_ISREG(sb.st_mode) || S_ISFIFO(sb.st_mode) ||
	    S_ISCHR(sb.st_mode))
		return NULL;
	return S_ISDIR(sb.st_mode) ? "is a directory"
				   : "is neither a regular file, a FIFO nor a character device";
}

/* Starts following path (resuming at its stored offset). SL_FAIL when its
 * stored offset cannot be used. */
static sl_rc_t add_file(sl_task_ctx_t *ctx, file_source_task_t *st, const char *path)
{
	sl_tail_params_t params = {
		.max_line = (size_t)st->cfg.max_line_bytes,
		.missing_wait_ms = SL_FILE_SOURCE_MISSING_WAIT_MS,
	};
	file_source_file_t *f;
	const char *bad;
	int64_t pos;
	uint64_t inode;

	SL_ARRAY_RESERVE(st->files, st->nfiles + 1, st->cap);
	f = &st->files[st->nfiles++];
	memset(f, 0, sizeof(*f));
	f->path = sl_strdup(path);
	f->matched = true;
	f->partition = json_pack("{s:s}", "filename", path);
	if (!f->partition) {
		SL_TASK_WARN(ctx, "file %s: the name is not valid UTF-8; skipping it", path);
		return SL_OK;
	}
	if ((bad = type_problem(path)) != NULL) {
		SL_TASK_WARN(ctx, "file %s %s; skipping it", path, bad);
		return SL_OK;
	}
	if (stored_offset(ctx, f, &pos, &inode) != SL_OK)
		return SL_FAIL;
	SL_TASK_DEBUG(ctx, "file %s: stored position %lld, inode %llu", path, (long long)pos,
		      (unsigned long long)inode);
	f->tail = sl_tail_open(path, pos, inode, &params);
	f->position = pos;
	return SL_OK;
}

static void drop_file(file_source_file_t *f)
{
	sl_tail_close(f->tail);
	if (f->partition)
		json_decref(f->partition);
	free(f->path);
}

static file_source_file_t *find_file(file_source_task_t *st, const char *path)
{
	for (size_t i = 0; i < st->nfiles; i++) {
		if (!strcmp(st->files[i].path, path))
			return &st->files[i];
	}
	return NULL;
}

/* Expands the glob: follows new matches that belong to this task, forgets
 * files that no longer match once they are closed. SL_FAIL when a new
 * match's stored offset cannot be used. */
static sl_rc_t scan_glob(sl_task_ctx_t *ctx, file_source_task_t *st)
{
	glob_t g = {0};
	int rc = glob(st->cfg.file, GLOB_MARK | GLOB_BRACE | GLOB_TILDE, NULL, &g);
	size_t keep = 0;
	sl_rc_t result = SL_OK;

	if (rc != 0 && rc != GLOB_NOMATCH)
		SL_TASK_WARN(ctx, "file %s: glob expansion failed (%d)", st->cfg.file, rc);
	for (size_t i = 0; i < st->nfiles; i++)
		st->files[i].matched = false;
	for (size_t i = 0; rc == 0 && result == SL_OK && i < g.gl_pathc; i++) {
		const char *p = g.gl_pathv[i];
		file_source_file_t *f;

		if (p[0] && p[strlen(p) - 1] == '/') /* a directory (GLOB_MARK) */
			continue;
		if (sl_file_source_task_for(p, sl_task_count(ctx)) != sl_task_id(ctx))
			continue;
		if ((f = find_file(st, p)) != NULL)
			f->matched = true;
		else
			result = add_file(ctx, st, p);
	}
	for (size_t i = 0; i < st->nfiles; i++) {
		file_source_file_t *f = &st->files[i];

		if (!f->matched && (!f->tail || !sl_tail_is_open(f->tail))) {
			SL_TASK_INFO(ctx, "file %s: no longer matched; forgetting it", f->path);
			drop_file(f);
			continue;
		}
		st->files[keep++] = *f;
	}
	st->nfiles = keep;
	if (st->next >= keep)
		st->next = 0;
	globfree(&g);
	return result;
}

/* Adds the record of one line; a line without key.separator (parse.key)
 * goes through the error policy. Returns SL_OK (added or skipped) or
 * SL_FAIL. *added tells which. */
static sl_rc_t add_line(sl_task_ctx_t *ctx, file_source_task_t *st, file_source_file_t *f,
			const sl_tail_item_t *it, sl_batch_t *batch, bool *added)
{
	const char *val = it->line;
	size_t val_len = it->len;
	const char *sep = NULL;
	sl_record_t *r;

	*added = false;
	if (st->cfg.parse_key) {
		size_t sep_len = strlen(st->cfg.key_separator);
		sep = memmem(it->line, it->len, st->cfg.key_separator, sep_len);
		if (!sep)
			return sl_task_report_error(
				ctx, "TASK_POLL", NULL, it->line, it->len,
				"file %s: line ending at byte %lld has no key.separator", f->path,
				(long long)it->position);
		val = sep + sep_len;
		val_len = it->len - (size_t)(val - it->line);
	}
	r = sl_batch_add(batch);
	sl_record_set_topic(r, st->cfg.topic);
	/* the line's bytes stay in the tail until the next poll */
	if (sep)
		sl_value_set_string_ref(&r->key, it->line, (size_t)(sep - it->line));
	sl_value_set_string_ref(&r->value, val, val_len);
	r->source_partition = f->partition;
	*added = true;
	return SL_OK;
}

/* Handles one non-line item of a tail. Returns SL_OK to go on. */
static sl_rc_t handle_item(sl_task_ctx_t *ctx, file_source_task_t *st, file_source_file_t *f,
			   const sl_tail_item_t *it)
{
	switch (it->kind) {
	case SL_TAIL_EVENT:
		if (it->warn)
			SL_TASK_WARN(ctx, "%s", it->msg);
		else
			SL_TASK_INFO(ctx, "%s", it->msg);
		return SL_OK;
	case SL_TAIL_LONG_LINE:
		return sl_task_report_error(ctx, "TASK_POLL", NULL, NULL, 0,
					    "file %s: line at byte %lld is longer than "
					    "max.line.bytes (%lld): %zu bytes without a newline; "
					    "skipped",
					    f->path, (long long)it->position,
					    (long long)st->cfg.max_line_bytes, it->long_len);
	case SL_TAIL_ERROR:
		sl_task_fail(ctx, "%s", it->msg);
		return SL_RETRY;
	default:
		return SL_OK;
	}
}

/* What one poll may still add: lines (batch.size) and bytes
 * (SL_FILE_SOURCE_POLL_BYTES). */
typedef struct poll_room {
	size_t lines, bytes;
} poll_room_t;

/* Reads what room allows of one file into batch until deadline; the
 * last record of the file in this batch carries the offset {"position",
 * "inode"} (lines of a stream carry none). *more is set when input is
 * left that could be read at once. */
static sl_rc_t read_file(sl_task_ctx_t *ctx, file_source_task_t *st, file_source_file_t *f,
			 sl_batch_t *batch, poll_room_t *room, int64_t deadline, bool *more)
{
	sl_tail_item_t it;
	sl_rc_t rc = SL_OK;
	size_t last = SIZE_MAX;
	int64_t last_pos = 0;
	uint64_t last_ino = 0;
	bool added;

	for (unsigned n = 0; room->lines > 0 && room->bytes > 0; n++) {
		/* Every item is bounded (max.line.bytes, the tail's max_read):
		 * looking at the clock every 256 of them is often enough. */
		if (n % 256 == 255 && (sl_task_stopping(ctx) || sl_now_ms() >= deadline)) {
			*more = true;
			break;
		}
		if (sl_tail_next(f->tail, &it) == SL_TAIL_NONE) {
			*more |= it.more;
			break;
		}
		if (it.kind == SL_TAIL_LINE) {
			if ((rc = add_line(ctx, st, f, &it, batch, &added)) != SL_OK)
				break;
			if (added) {
				room->lines--;
				room->bytes -= it.len < room->bytes ? it.len : room->bytes;
			}
			if (added && !it.stream) {
				last = batch->count - 1;
				last_pos = it.position;
				last_ino = it.inode;
				f->position = it.position;
			}
		} else if ((rc = handle_item(ctx, st, f, &it)) != SL_OK) {
			break;
		}
	}
	if (last != SIZE_MAX)
		batch->records[last].source_offset =
			json_pack("{s:I,s:I}", "position", (json_int_t)last_pos, "inode",
				  (json_int_t)last_ino);
	return rc;
}

/* One pass over every file, starting with st->next, until deadline. */
static sl_rc_t read_all(sl_task_ctx_t *ctx, file_source_task_t *st, sl_batch_t *batch,
			int64_t deadline, bool *more)
{
	poll_room_t room = {(size_t)st->cfg.batch_size, SL_FILE_SOURCE_POLL_BYTES};
	size_t n = st->nfiles;
	sl_rc_t rc = SL_OK;

	for (size_t i = 0; i < n && room.lines > 0 && room.bytes > 0 && rc == SL_OK; i++) {
		file_source_file_t *f = &st->files[(st->next + i) % n];

		if (!f->tail)
			continue;
		sl_tail_check(f->tail);
		rc = read_file(ctx, st, f, batch, &room, deadline, more);
	}
	if (n)
		st->next = (st->next + 1) % n;
	/* Records already taken from a tail must not be dropped: a read error
	 * waits for the next poll, where it comes up again. */
	if (rc == SL_RETRY && batch->count > 0)
		rc = SL_OK;
	return rc;
}

static void free_task(file_source_task_t *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nfiles; i++)
		drop_file(&st->files[i]);
	free(st->files);
	sl_options_free(file_source_options, &st->cfg);
	free(st);
}

static sl_rc_t file_source_start(sl_task_ctx_t *ctx, const sl_config_t *config)
{
	file_source_task_t *st = sl_calloc(1, sizeof(*st));
	sl_errlist_t errs = {0};
	sl_rc_t rc = SL_FAIL;
	const char *bad;

	if (sl_options_load(file_source_options, config, &st->cfg, &errs) != 0) {
		sl_task_fail(ctx, "%s", errs.count ? errs.items[0] : "bad configuration");
		goto out;
	}
	if (st->cfg.parse_key && !st->cfg.key_separator[0]) {
		sl_task_fail(ctx, "option 'key.separator' must not be empty with parse.key");
		goto out;
	}
	st->is_glob = is_glob(st->cfg.file);
	bad = st->is_glob ? NULL : type_problem(st->cfg.file);
	if (bad) {
		sl_task_fail(ctx,
			     "file %s %s: file-source follows regular files, FIFOs and character "
			     "devices",
			     st->cfg.file, bad);
		goto out;
	}
	if ((st->is_glob ? scan_glob(ctx, st) : add_file(ctx, st, st->cfg.file)) != SL_OK)
		goto out;
	st->next_scan_ms = sl_now_ms() + st->cfg.poll_interval_ms;
	SL_TASK_INFO(ctx, "following %s (%zu file%s now) into topic %s", st->cfg.file, st->nfiles,
		     st->nfiles == 1 ? "" : "s", st->cfg.topic);
	sl_task_set_data(ctx, st);
	st = NULL;
	rc = SL_OK;
out:
	free_task(st);
	sl_errlist_free(&errs);
	return rc;
}

/* Sets the gauge of bytes written to the task's regular files and not
 * read yet (size minus the position after the latest line read; a file
 * being rotated counts by its new one), at most once a second: a stat per
 * file. */
static void note_bytes_behind(sl_task_ctx_t *ctx, file_source_task_t *st)
{
	int64_t now = sl_now_ms(), behind = 0;
	if (now < st->next_gauge_ms)
		return;
	st->next_gauge_ms = now + 1000;
	for (size_t i = 0; i < st->nfiles; i++) {
		struct stat sb;
		const file_source_file_t *f = &st->files[i];
		if (f->tail && stat(f->path, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    sb.st_size > f->position)
			behind += sb.st_size - f->position;
	}
	sl_task_metric_set(ctx, "file_source_bytes_behind",
			   "Bytes of the task's regular files not read yet.", (double)behind);
}

/* Returns within the task timeout whatever the input does: reading stops
 * at the deadline or a stop request, each tail read is bounded (max_read),
 * and a poll that found nothing to read at once sleeps poll.interval.ms,
 * also while an endless line of a stream (/dev/zero) is being skipped. */
static sl_rc_t file_source_poll(sl_task_ctx_t *ctx, sl_batch_t *batch)
{
	file_source_task_t *st = sl_task_data(ctx);
	int64_t timeout = sl_task_timeout_ms(ctx);
	int64_t deadline = sl_now_ms() + timeout;
	bool more = false;
	sl_rc_t rc;

	/* Records borrow their lines from the tails (add_line). Once the last
	 * poll's records were sent, their bytes may be read over and files
	 * forgotten; a batch that still holds records (a retried poll may
	 * leave some) keeps both. */
	bool sent = batch->count == 0;
	for (size_t i = 0; sent && i < st->nfiles; i++)
		if (st->files[i].tail)
			sl_tail_release(st->files[i].tail);
	if (sent && st->is_glob && sl_now_ms() >= st->next_scan_ms) {
		if (scan_glob(ctx, st) != SL_OK)
			return SL_FAIL;
		st->next_scan_ms = sl_now_ms() + st->cfg.poll_interval_ms;
	}
	rc = read_all(ctx, st, batch, deadline, &more);
	note_bytes_behind(ctx, st);
	if (rc == SL_OK && batch->count == 0 && !more)
		sl_task_wait(ctx, st->cfg.poll_interval_ms < timeout ? st->cfg.poll_interval_ms
								     : timeout);
	return rc;
}

static void file_source_stop(sl_task_ctx_t *ctx)
{
	free_task(sl_task_data(ctx));
	sl_task_set_data(ctx, NULL);
}

static int file_source_validate(const sl_config_t *config, sl_errlist_t *errs)
{
	file_source_config_t cfg = {0};
	sl_errlist_t ignored = {0}; /* the worker reports table errors itself */
	int rv = 0;

	sl_options_load(file_source_options, config, &cfg, &ignored);
	if (cfg.parse_key && cfg.key_separator && !cfg.key_separator[0]) {
		sl_errlist_addf(errs, "option 'key.separator' must not be empty when parse.key "
				      "is true");
		rv = -1;
	}
	sl_options_free(file_source_options, &cfg);
	sl_errlist_free(&ignored);
	return rv;
}

/* A glob is split over up to max_tasks tasks by a stable hash of each path;
 * a single file is one task. */
static int file_source_task_configs(const sl_config_t *config, int max_tasks, sl_config_t **out,
				    char *errstr, size_t errstr_size)
{
	const char *file = sl_config_get(config, "file");
	int n = 1;

	if (!file)
		return sl_seterr(errstr, errstr_size, "option 'file' is required");
	if (max_tasks > 1 && is_glob(file))
		n = max_tasks;
	/* Each task learns its share from sl_task_id / sl_task_count. */
	for (int i = 0; i < n; i++)
		out[i] = sl_config_dup(config);
	return n;
}

static const sl_source_ops_t file_source_ops = {
	.start = file_source_start,
	.poll = file_source_poll,
	.stop = file_source_stop,
};

const sl_connector_t file_source_connector = {
	.name = "file-source",
	.aliases = file_source_aliases,
	.kind = SL_SOURCE,
	.doc = "Follows text files like `tail -F` and writes each line as a string record to "
	       "one topic, byte compatible with Kafka Connect's FileStreamSource: the source "
	       "partition is {\"filename\": path} and the offset {\"position\": bytes after the "
	       "line} plus the file's \"inode\", so a restart resumes exactly after the last "
	       "acknowledged line. `file` may be a glob; with tasks.max > 1 its files are "
	       "spread over the tasks by a hash of the path (a single file is one task). "
	       "Truncation restarts the file at byte 0; on rename rotation the old file is read "
	       "to its end (a last line without a newline included) before the new one is read "
	       "from 0, also across a restart (the rotated file is found by its inode in the same "
	       "directory). A path that vanishes keeps its old file open for 5 s for late "
	       "writes. A missing file is waited for. A glob should match only live files (not "
	       "app.log.1), or rotated files are read again as new ones. Lines keep a trailing "
	       "'\\r'; only '\\n' ends a line. A FIFO or character device is read as a stream "
	       "(a FIFO needs no writer yet: the task logs that it waits for one): it has no "
	       "byte position a restart could resume at, so its lines carry no offset and the "
	       "lines read but not yet acknowledged when the task stops are lost (at most "
	       "once); directories, block devices and sockets are refused. A stored offset "
	       "that cannot be read fails the task instead of reading the file again from "
	       "byte 0; `sluice offsets reset --connector NAME` starts over. Every poll "
	       "returns within the task timeout whatever the input does.",
	.options = file_source_options,
	.validate = file_source_validate,
	.task_configs = file_source_task_configs,
	.source = &file_source_ops,
};
