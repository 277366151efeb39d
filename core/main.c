/* The sluice command line: run, validate, plugins, offsets, transform. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "convert.h"
#include "describe.h"
#include "kafka.h"
#include "offsets.h"
#include "rest.h"
#include "sdnotify.h"
#include "sluice/config.h"
#include "sluice/connector.h"
#include "sluice/log.h"
#include "supervisor.h"
#include "transform_cli.h"
#include "worker.h"

static void usage(FILE *out)
{
	fputs("usage: sluice run [-w WORKER_CONFIG] [CONNECTOR_CONFIG...]\n"
	      "       sluice validate [-w WORKER_CONFIG] FILE...\n"
	      "       sluice plugins [--describe NAME] [--markdown "
	      "NAME|worker|worker-ignored|connector-common|...]\n"
	      "               [--markdown-transform TRANSFORM|PREDICATE]\n"
	      "       sluice offsets list|reset [-w WORKER_CONFIG] [--connector NAME]\n"
	      "       sluice transform -c CONNECTOR_CONFIG [-w WORKER_CONFIG] <records.jsonl\n"
	      "       sluice --version | --help\n"
	      "\n"
	      "Config files are libconfig (.conf), Kafka Connect .properties or REST-style\n"
	      ".json ({\"name\":...,\"config\":{...}}), chosen by extension. Without -w the\n"
	      "worker uses its defaults (bootstrap.servers=localhost:9092). Without\n"
	      "connector files the worker starts empty, to be managed over its REST API\n"
	      "(listeners, default http://127.0.0.1:8083).\n",
	      out);
}

static void print_errors(const sl_errlist_t *errs)
{
	for (size_t i = 0; i < errs->count; i++)
		fprintf(stderr, "error: %s\n", errs->items[i]);
}

/* Logs a notice for every Kafka Connect worker key of cfg that sluice
 * ignores. */
static void log_worker_notices(const sl_config_t *cfg)
{
	sl_errlist_t notes = {0};
	const char *src = sl_config_source(cfg);

	sl_worker_config_notices(cfg, &notes);
	for (size_t i = 0; i < notes.count; i++)
		SL_INFO(NULL, "%s: %s", src ? src : "worker", notes.items[i]);
	sl_errlist_free(&notes);
}

/* Loads and validates the worker file (NULL path: defaults), logs what it
 * ignores and drops those keys. NULL after printing the errors. */
static sl_config_t *load_worker(const char *path)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = path ? sl_config_load(path, &errs) : sl_config_new();
	if (cfg && sl_worker_config_validate(cfg, &errs) != 0) {
		sl_config_free(cfg);
		cfg = NULL;
	}
	print_errors(&errs);
	sl_errlist_free(&errs);
	if (cfg) {
		/* before anything is logged: every line in the chosen format */
		const char *fmt = sl_config_get(cfg, "log.format");
		sl_log_format_t lf;
		if (fmt && sl_log_format_parse(fmt, &lf) == 0)
			sl_log_set_format(lf);
		log_worker_notices(cfg);
		sl_worker_config_drop_ignored(cfg);
	}
	return cfg;
}

/* ---- connector files ---- */

/* Adds an error for every connector config whose name an earlier one
 * already has, naming both places: the name keys the offsets and names the
 * consumer group, so two connectors may never share it. conns[i] may be
 * NULL (a file that did not load). Returns the number of clashes. */
static int check_unique_names(sl_config_t *const *conns, int n, sl_errlist_t *errs)
{
	sl_config_t *seen = sl_config_new(); /* name -> where it was set */
	char where[512], shown[256];
	int clashes = 0;

	for (int i = 0; i < n; i++) {
		const sl_config_entry_t *e = conns[i] ? sl_config_find(conns[i], "name") : NULL;
		if (!e)
			continue;
		const char *first = sl_config_get(seen, e->value);
		sl_config_where(e, where, sizeof(where));
		if (!first) {
			sl_config_set(seen, e->value, where, NULL, 0);
			continue;
		}
		sl_errlist_addf(errs,
				"%s: connector name '%s' is already used by %s; each connector "
				"needs its own name (it keys the offsets and names the consumer "
				"group)",
				where, sl_config_printable(e->value, shown, sizeof(shown)), first);
		clashes++;
	}
	sl_config_free(seen);
	return clashes;
}

/* Loads and validates every connector file, its references resolved with
 * the config providers the worker config wcfg declares (unless the file
 * declares its own); NULL (after printing every problem) when one fails or
 * two share a name. Free with free_connectors. */
static sl_config_t **load_connectors(char **paths, int n, const sl_config_t *wcfg)
{
	sl_config_t **conns = sl_calloc((size_t)n, sizeof(*conns));
	sl_errlist_t errs = {0};
	int bad = 0;

	for (int i = 0; i < n; i++) {
		conns[i] = sl_config_load_with(paths[i], wcfg, &errs);
		if (!conns[i] || sl_connector_config_validate(conns[i], &errs) != 0)
			bad = 1;
	}
	if (check_unique_names(conns, n, &errs) > 0)
		bad = 1;
	print_errors(&errs);
	sl_errlist_free(&errs);
	if (!bad)
		return conns;
	for (int i = 0; i < n; i++)
		sl_config_free(conns[i]);
	free(conns);
	return NULL;
}

static void free_connectors(sl_config_t **conns, int n)
{
	for (int i = 0; conns && i < n; i++)
		sl_config_free(conns[i]);
	free(conns);
}

/* ---- run ---- */

typedef struct stopper {
	sl_worker_t *worker;
	atomic_int done;
} stopper_t;

static void *stop_worker(void *arg)
{
	stopper_t *s = arg;
	sl_worker_free(s->worker);
	s->done = 1;
	return NULL;
}

static void log_sighup(void)
{
	SL_WARN(NULL, "SIGHUP received while stopping: ignored");
}

/* Applies connector.config.dir (files added, changed or removed there) and
 * logs every problem; a file that fails leaves its connector as it was. */
static void reload_config_dir(sl_worker_t *w)
{
	sl_errlist_t errs = {0};
	int changed = sl_worker_apply_config_dir(w, &errs);
	for (size_t i = 0; i < errs.count; i++)
		SL_ERROR(NULL, "connector.config.dir: %s", errs.items[i]);
	if (sl_worker_settings(w)->connector_config_dir)
		SL_INFO(NULL,
			"connector.config.dir applied: %d connector(s) added, changed or "
			"removed, %zu problem(s)",
			changed, errs.count);
	sl_errlist_free(&errs);
}

/* How often the main thread looks at the worker's resident memory, and by
 * how much it must have grown for the heap to be trimmed (a trim took
 * 0.3-0.6 ms in scripts/soak.sh). */
#define HEAP_CHECK_MS 10000
#define HEAP_TRIM_GROWTH_KB 512

/* The process's resident memory in kB, or -1. */
static long resident_kb(void)
{
	long size = 0, pages = -1;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &pages) != 2)
		pages = -1;
	fclose(f);
	return pages < 0 ? -1 : pages * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Gives the heap pages glibc holds free back to the system once the
 * resident memory grew by HEAP_TRIM_GROWTH_KB from its lowest point since
 * the check after the last trim (*low_kb; -1: not measured yet, the next
 * check measures it: the working set the trim's pages are faulted back
 * into, so a steady load is not trimmed again and again). A task that
 * catches up on a backlog (a source resumed after a pause or restarted,
 * the sink downstream) has large batches in flight for a moment; they are
 * freed within seconds, but under what its thread's arena allocated
 * meanwhile and still holds (the batch's grown records array, the offset
 * tracker's next chunk, other threads' allocations in the same arena),
 * and glibc returns a heap's memory to the system only from its top:
 * scripts/soak.sh saw a 10 s pause of postgres-source leave 1.5 MB free in
 * that task's arena and as much in its sink's, resident until the next
 * task stop trimmed them. */
static void trim_heap_after_growth(long *low_kb)
{
#ifdef __GLIBC__
	long kb = resident_kb();
	if (kb < 0)
		return;
	if (*low_kb < 0 || kb < *low_kb) {
		*low_kb = kb;
		return;
	}
	if (kb - *low_kb < HEAP_TRIM_GROWTH_KB)
		return;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	malloc_trim(0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*low_kb = -1;
	SL_DEBUG(NULL, "heap trimmed: resident %ld kB, %ld kB after (%ld us)", kb, resident_kb(),
		 (long)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000));
#else
	(void)low_kb;
#endif
}

/* One malloc arena for every thread, unless MALLOC_ARENA_MAX or
 * GLIBC_TUNABLES says otherwise. glibc gives threads arenas of their own
 * (up to 8 a core). A restarted task runs on new threads and a resumed
 * source catches up in large batches; each arena then keeps the pages that
 * its threads' long-lived blocks pin, and only its own threads reuse the
 * space around them. Four 30-minute soaks side by side (scripts/soak.sh, an
 * event a minute): RSS grew 22.7 % with glibc's arenas, 4.2 % with one
 * (5.4 % in a later run), 12.9 % with fixed mmap and trim thresholds and
 * 20.0 % with mimalloc (from 10 MB more). At full speed one arena cost
 * nothing measurable in the file, HTTP, MQTT and postgres-sink workloads;
 * the snapshot's mean was 10 % lower, within its spread, and the
 * http-sink's peak RSS 5-6 MB higher (docs/reliability.md). */
static void one_malloc_arena(void)
{
#ifdef __GLIBC__
	const char *tunables = getenv("GLIBC_TUNABLES");
	if (getenv("MALLOC_ARENA_MAX") || (tunables && strstr(tunables, "arena_max")))
		return;
	mallopt(M_ARENA_MAX, 1);
#endif
}

/* Waits for SIGINT or SIGTERM; a SIGHUP reloads connector.config.dir (or
 * is logged when that is not set). Meanwhile the heap is trimmed after
 * growth (trim_heap_after_growth). */
static int wait_stop_signal(sl_worker_t *w, const sigset_t *set)
{
	long low_kb = -1;
	const struct timespec tick = {.tv_sec = HEAP_CHECK_MS / 1000,
				      .tv_nsec = (HEAP_CHECK_MS % 1000) * 1000000L};
	for (;;) {
		int sig = sigtimedwait(set, NULL, &tick);
		if (sig < 0) {
			if (errno == EAGAIN)
				trim_heap_after_growth(&low_kb);
			continue;
		}
		if (sig != SIGHUP)
			return sig;
		if (sl_worker_settings(w)->connector_config_dir) {
			SL_INFO(NULL, "SIGHUP received: applying connector.config.dir");
			sl_sd_notify_reloading();
			reload_config_dir(w);
			sl_sd_notify("READY=1");
		} else {
			SL_WARN(NULL, "SIGHUP received: nothing to reload (connector.config.dir "
				      "is not set); ignoring");
		}
	}
}

/* Waits for SIGINT/SIGTERM, stops the worker on a helper thread so that a
 * second one can still end the process at once. */
static int wait_and_stop(sl_worker_t *w, sl_rest_t *rest, sl_supervisor_t *sup, const sigset_t *set)
{
	int sig = wait_stop_signal(w, set);
	sl_sd_notifyf("STOPPING=1\nSTATUS=stopping on %s", strsignal(sig));
	sl_supervisor_stop(sup); /* no task restarted while the worker stops */
	SL_INFO(NULL,
		"%s received: stopping tasks and storing offsets (send it again to exit "
		"at once)",
		strsignal(sig));
	int64_t deadline = sl_now_ms() + sl_worker_shutdown_timeout_ms(w);
	/* No request may reach the worker while it is freed. */
	sl_rest_stop(rest);
	stopper_t s = {.worker = w};
	pthread_t th;
	pthread_create(&th, NULL, stop_worker, &s);
	struct timespec tick = {.tv_sec = 0, .tv_nsec = 100 * 1000000};
	while (!s.done) {
		sig = sigtimedwait(set, NULL, &tick);
		if (sig == SIGHUP) {
			log_sighup();
		} else if (sig > 0) {
			SL_WARN(NULL, "second signal: exiting now without storing offsets");
			_exit(1);
		}
		if (sl_now_ms() > deadline) {
			SL_ERROR(NULL,
				 "tasks did not stop within task.shutdown.graceful.timeout.ms; "
				 "exiting without storing the rest of the offsets");
			_exit(1);
		}
	}
	pthread_join(th, NULL);
	SL_INFO(NULL, "stopped");
	return 0;
}

/* Whether the connector of cfg is already running from
 * connector.config.dir: the stored one (changed over the REST API) wins
 * over the file given on the command line. */
static bool stored_already(sl_worker_t *w, const sl_config_t *cfg, const char *path)
{
	const char *name = sl_config_get(cfg, "name");
	if (!name || sl_worker_target_state(w, name) < 0)
		return false;
	SL_INFO(name,
		"%s: not loaded: connector.config.dir holds this connector (changed over "
		"the REST API), which is used instead",
		path);
	return true;
}

/* Starts a worker, its REST API, the connectors of connector.config.dir
 * and every connector file, and runs until a stop signal. When a
 * connector file cannot be added, or the API cannot listen, the others
 * are stopped (storing their offsets) and 1 is returned. */
static int run_worker(const sl_config_t *wcfg, sl_config_t **conns, char **paths, int n,
		      const sigset_t *set)
{
	char err[1024];
	sl_rest_t *rest = NULL;
	sl_worker_t *w = sl_worker_new(wcfg, err, sizeof(err));

	if (!w) {
		fprintf(stderr, "error: %s\n", err);
		return 1;
	}
	if (sl_rest_start(w, &rest, err, sizeof(err)) != 0) {
		SL_ERROR(NULL, "%s; stopping", err);
		sl_worker_free(w);
		return 1;
	}
	if (sl_worker_cluster_start(w, rest ? sl_rest_port(rest) : 0, err, sizeof(err)) != 0) {
		SL_ERROR(NULL, "%s; stopping", err);
		sl_rest_stop(rest);
		sl_worker_free(w);
		return 1;
	}
	reload_config_dir(w);
	for (int i = 0; i < n; i++) {
		if (stored_already(w, conns[i], paths[i]))
			continue;
		if (sl_worker_add_connector(w, conns[i], err, sizeof(err)) != 0) {
			SL_ERROR(NULL, "%s: %s; stopping", paths[i], err);
			sl_rest_stop(rest);
			sl_worker_free(w);
			return 1;
		}
	}
	sl_supervisor_t *sup = sl_supervisor_start(w, wcfg, err, sizeof(err));
	if (!sup && err[0]) {
		SL_ERROR(NULL, "%s; stopping", err);
		sl_rest_stop(rest);
		sl_worker_free(w);
		return 1;
	}
	sl_rest_set_started(rest);
	sl_sd_notify("READY=1");
	if (sl_sd_watchdog_start() < 0)
		SL_WARN(NULL, "watchdog: cannot start its thread: %s", strerror(errno));
	int rc = wait_and_stop(w, rest, sup, set);
	sl_sd_watchdog_stop();
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	const char *worker_path = NULL;
	int opt;
	optind = 1;
	while ((opt = getopt(argc, argv, "w:h")) != -1) {
		if (opt == 'w') {
			worker_path = optarg;
		} else {
			usage(opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 0 : 2;
		}
	}
	/* Signals go to this thread only (tasks and librdkafka's threads
	 * inherit the blocked mask), and are held from now on so that one
	 * that comes while the files load is not lost. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sl_config_t *wcfg = load_worker(worker_path);
	if (!wcfg)
		return 1;
	int n = argc - optind, rc = 1;
	if (n > 0 && sl_config_get(wcfg, "group.id")) {
		fprintf(stderr,
			"error: %s sets group.id: this worker joins a distributed cluster, whose "
			"connectors live in config.storage.topic; create them over the REST API "
			"of any member (POST /connectors) instead of naming connector files here\n",
			worker_path);
		sl_config_free(wcfg);
		return 2;
	}
	sl_config_t **conns =
		n ? load_connectors(argv + optind, n, wcfg) : sl_calloc(1, sizeof(*conns));
	if (conns)
		rc = run_worker(wcfg, conns, argv + optind, n, &set);
	free_connectors(conns, n);
	sl_config_free(wcfg);
	return rc;
}

/* ---- validate ---- */

/* Validates one loaded file as a connector (it has connector.class or
 * name) or a worker config; returns its kind. */
static const char *validate_one(const sl_config_t *cfg, sl_errlist_t *errs)
{
	if (sl_config_get(cfg, "connector.class") || sl_config_get(cfg, "name")) {
		sl_connector_config_validate(cfg, errs);
		return "connector";
	}
	sl_worker_config_validate(cfg, errs);
	log_worker_notices(cfg);
	return "worker";
}

/* Loads and validates one file, with the config providers of providers
 * (may be NULL), and prints its verdict; sets *bad on errors. Returns the
 * config or NULL. */
static sl_config_t *validate_file(const char *path, const sl_config_t *providers, int *bad)
{
	sl_errlist_t errs = {0};
	const char *kind = "worker";
	sl_config_t *cfg = sl_config_load_with(path, providers, &errs);

	if (cfg)
		kind = validate_one(cfg, &errs);
	print_errors(&errs);
	if (errs.count) {
		fprintf(stderr, "%s: %zu error(s)\n", path, errs.count);
		*bad = 1;
	} else {
		printf("%s: valid %s config\n", path, kind);
	}
	sl_errlist_free(&errs);
	return cfg;
}

static int cmd_validate(int argc, char **argv)
{
	const char *worker_path = NULL;
	int opt, bad = 0;

	optind = 1;
	while ((opt = getopt(argc, argv, "w:")) != -1) {
		if (opt != 'w')
			return 2;
		worker_path = optarg;
	}
	int n = argc - optind;
	if (n < 1 && !worker_path) {
		fprintf(stderr, "sluice validate: no file given\n");
		return 2;
	}
	/* With -w, the worker's config providers serve the other files, as
	 * they do in sluice run. */
	sl_config_t *wcfg = worker_path ? validate_file(worker_path, NULL, &bad) : NULL;
	sl_config_t **cfgs = sl_calloc((size_t)n + 1, sizeof(*cfgs));
	for (int i = 0; i < n; i++)
		cfgs[i] = validate_file(argv[optind + i], wcfg, &bad);
	/* Connectors that would run together may not share a name. */
	sl_errlist_t errs = {0};
	if (check_unique_names(cfgs, n, &errs) > 0)
		bad = 1;
	print_errors(&errs);
	sl_errlist_free(&errs);
	free_connectors(cfgs, n);
	sl_config_free(wcfg);
	return bad;
}

/* ---- plugins ---- */

/* The option tables that belong to no one connector, by name, for
 * docs/configuration.md. Returns false when name is not one of them. */
/* The Kafka Connect worker keys sluice accepts and ignores, with why. */
static void describe_ignored(FILE *out)
{
	fputs("| Key | Why sluice ignores it |\n|---|---|\n", out);
	for (const sl_option_t *o = sl_worker_ignored_options; o->name; o++)
		fprintf(out, "| `%s` | %s |\n", o->name, o->ignored);
	for (const sl_worker_ignored_prefix_t *p = sl_worker_ignored_prefixes; p->prefix; p++)
		fprintf(out, "| `%s*` | %s |\n", p->prefix, p->why);
}

static bool describe_tables(const char *name)
{
	static const struct {
		const char *name;
		const sl_option_t *table;
	} tables[] = {
		{"worker", sl_worker_options},
		{"connector-common", sl_connector_common_options},
		{"source-common", sl_source_common_options},
		{"sink-common", sl_sink_common_options},
		{"converters", sl_converter_options},
	};
	if (!strcmp(name, "worker-ignored")) {
		describe_ignored(stdout);
		return true;
	}
	for (size_t i = 0; i < SL_ARRAY_LEN(tables); i++) {
		if (!strcmp(name, tables[i].name)) {
			sl_describe_markdown_table(stdout, tables[i].table);
			return true;
		}
	}
	return false;
}

static int cmd_plugins(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"describe", required_argument, NULL, 'd'},
		{"markdown", required_argument, NULL, 'm'},
		{"markdown-transform", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0}};
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == 't' && sl_transform_cli_markdown(stdout, optarg) == 0)
			return 0;
		if (opt == 't') {
			fprintf(stderr, "sluice plugins: unknown transform or predicate '%s'\n",
				optarg);
			return 1;
		}
		if (opt != 'd' && opt != 'm')
			return 2;
		if (opt == 'm' && describe_tables(optarg))
			return 0;
		if (opt == 'm' && !strcmp(optarg, "kafka-clients")) {
			sl_kafka_describe_defaults(stdout);
			return 0;
		}
		const sl_connector_t *p = sl_plugins_find(optarg);
		if (!p) {
			fprintf(stderr, "sluice plugins: unknown connector '%s'\n", optarg);
			return 1;
		}
		if (opt == 'd')
			sl_describe_text(stdout, p);
		else
			sl_describe_markdown(stdout, p);
		return 0;
	}
	for (const sl_connector_t *const *it = sl_plugins_all(); *it; it++) {
		const sl_connector_t *p = *it;
		printf("%-16s %-6s", p->name, p->kind == SL_SOURCE ? "source" : "sink");
		for (const char *const *a = p->aliases; a && *a; a++)
			printf(" %s", *a);
		printf("\n");
	}
	return 0;
}

/* ---- offsets ---- */

static int cmd_offsets(int argc, char **argv)
{
	static const struct option longopts[] = {{"connector", required_argument, NULL, 'c'},
						 {NULL, 0, NULL, 0}};
	const char *worker_path = NULL, *connector = NULL;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "w:", longopts, NULL)) != -1) {
		if (opt == 'w')
			worker_path = optarg;
		else if (opt == 'c')
			connector = optarg;
		else
			return 2;
	}
	const char *action = optind < argc ? argv[optind] : NULL;
	if (!action || (strcmp(action, "list") && strcmp(action, "reset"))) {
		fprintf(stderr, "sluice offsets: say list or reset\n");
		return 2;
	}
	sl_config_t *wcfg = load_worker(worker_path);
	if (!wcfg)
		return 1;
	char err[1024];
	int rc = 1;
	sl_kafka_t *kafka = NULL;
	sl_offset_store_t *s = NULL;
	sl_worker_settings_t ws = {0};
	sl_errlist_t errs = {0};
	if (sl_options_load(sl_worker_options, wcfg, &ws, &errs) != 0) {
		fprintf(stderr, "error: %s\n", errs.items[0]);
		sl_errlist_free(&errs);
		goto out;
	}
	const char *path = ws.offset_file;
	if (ws.offset_topic) {
		/* the topic as the worker reads it (malformed records listed
		 * and removable: the store reads them all) */
		kafka = sl_kafka_new(wcfg, err, sizeof(err));
		if (kafka)
			s = sl_offset_store_open_kafka(
				kafka, ws.offset_topic, (int)ws.offset_topic_partitions,
				(int)ws.offset_topic_replication_factor, err, sizeof(err));
		path = ws.offset_topic;
	} else {
		/* Lenient: list shows malformed entries (marked "malformed")
		 * and reset removes them, where the worker refuses the file. */
		s = sl_offset_store_open_lenient(path, true, err, sizeof(err));
	}
	if (!s) {
		fprintf(stderr, "error: %s\n", err);
		goto out;
	}
	if (!strcmp(action, "list") && sl_offset_store_verify(s, err, sizeof(err)) != 0)
		fprintf(stderr, "warning: %s\n", err);
	if (!strcmp(action, "list")) {
		json_t *list = sl_offset_store_list(s, connector);
		size_t i;
		json_t *e;
		json_array_foreach(list, i, e) {
			char *line = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
			printf("%s\n", line);
			free(line);
		}
		json_decref(list);
		rc = 0;
	} else {
		int removed = sl_offset_store_reset(s, connector, err, sizeof(err));
		if (removed < 0) {
			fprintf(stderr, "error: %s\n", err);
		} else {
			printf("removed %d offset(s)%s%s from %s\n", removed,
			       connector ? " of " : "", connector ? connector : "", path);
			rc = 0;
		}
	}
	sl_offset_store_close(s);
out:
	sl_kafka_free(kafka);
	sl_options_free(sl_worker_options, &ws);
	sl_config_free(wcfg);
	return rc;
}

int main(int argc, char **argv)
{
	/* No glibc fastbins: a task thread frees hundreds of thousands of small
	 * JSON nodes a second, and each large free (librdkafka's delivered
	 * message sets) then consolidated them all again; this was 30 % of a
	 * PostgreSQL snapshot's CPU (perf), and the snapshot runs ~20 % faster
	 * without. The per-thread tcache still serves the small sizes. */
	mallopt(M_MXFAST, 0);
	one_malloc_arena();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("sluice %s\n", SLUICE_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "validate"))
		return cmd_validate(argc - 1, argv + 1);
	if (!strcmp(cmd, "plugins"))
		return cmd_plugins(argc - 1, argv + 1);
	if (!strcmp(cmd, "offsets"))
		return cmd_offsets(argc - 1, argv + 1);
	if (!strcmp(cmd, "transform"))
		return sl_transform_cli_main(argc - 1, argv + 1);
	fprintf(stderr, "sluice: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
