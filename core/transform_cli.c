/* `sluice transform`: a connector's transform chain over JSON lines on
 * stdin (see transform_cli.h for the line formats). */
#include "transform_cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "describe.h"
#include "sluice/data.h"
#include "sluice/record.h"
#include "transform.h"
#include "worker.h"

struct sl_transform_cli {
	sl_transform_chain_t *chain; /* NULL: the connector asks for none */
	sl_converter_t *key_conv, *value_conv;
	sl_buf_t key, value; /* the converted bytes, reused for every line */
};

/* The fields an input line may have, in the order the format shows them. */
static const char *const input_fields[] = {"topic", "partition", "offset", "timestamp",
					   "key",   "value",     "headers"};

/* ---- setup ---- */

/* The key or value converter a task of connector gets: the connector's own
 * X.converter with its X.converter.* keys, else the worker's with the
 * worker's keys, else json. Problems are added to errs as validation
 * words them, with the place of the key. */
static sl_converter_t *make_converter(const sl_config_t *connector, const sl_config_t *worker,
				      bool is_key, sl_errlist_t *errs)
{
	const char *key = is_key ? "key.converter" : "value.converter";
	const sl_config_t *from = connector;
	const sl_config_entry_t *e = sl_config_find(from, key);
	if (!e) { /* then the connector's X.converter.* keys do not count */
		from = worker;
		e = worker ? sl_config_find(from, key) : NULL;
	}
	const char *name = e ? e->value : "json";
	char err[1024], where[512];
	/* the name first, so that its message names its own key */
	sl_converter_t *c = sl_converter_new(name, is_key, NULL, err, sizeof(err));
	if (!c) {
		sl_errlist_addf(errs, "%s: option '%s': %s",
				sl_config_where(e, where, sizeof(where)), key, err);
		return NULL;
	}
	sl_converter_free(c);
	sl_config_t *props =
		from ? sl_config_subset(from, is_key ? "key.converter." : "value.converter.", true)
		     : NULL;
	c = sl_converter_new(name, is_key, props, err, sizeof(err));
	sl_config_free(props);
	if (!c)
		sl_errlist_addf(errs, "%s", err); /* err names the key and its place */
	return c;
}

sl_transform_cli_t *sl_transform_cli_new(const sl_config_t *connector, const sl_config_t *worker,
					 sl_errlist_t *errs)
{
	size_t before = errs->count;
	bool failed = false;
	sl_transform_cli_t *cli = sl_calloc(1, sizeof(*cli));

	cli->key_conv = make_converter(connector, worker, true, errs);
	cli->value_conv = make_converter(connector, worker, false, errs);
	cli->chain = sl_transform_chain_new(connector, errs, &failed);
	if (failed || errs->count > before) {
		sl_transform_cli_free(cli);
		return NULL;
	}
	return cli;
}

void sl_transform_cli_free(sl_transform_cli_t *cli)
{
	if (!cli)
		return;
	sl_transform_chain_free(cli->chain);
	sl_converter_free(cli->key_conv);
	sl_converter_free(cli->value_conv);
	sl_buf_free(&cli->key);
	sl_buf_free(&cli->value);
	free(cli);
}

/* ---- input lines to records ---- */

static bool known_field(const char *name)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(input_fields); i++)
		if (!strcmp(name, input_fields[i]))
			return true;
	return false;
}

/* Reads an integer field into *out (within [min, max]); a missing or null
 * one leaves *out and sets *is_null. False with err on another type. */
static bool read_int(const json_t *in, const char *name, int64_t min, int64_t max, int64_t *out,
		     bool *is_null, char *err, size_t err_size)
{
	const json_t *j = json_object_get(in, name);
	*is_null = !j || json_is_null(j);
	if (*is_null)
		return true;
	if (!json_is_integer(j) || json_integer_value(j) < min || json_integer_value(j) > max) {
		sl_seterr(err, err_size, "%s: an integer from %" PRId64 " to %" PRId64 " or null",
			  name, min, max);
		return false;
	}
	*out = json_integer_value(j);
	return true;
}

/* A key, value or header value: text or null (missing). Its bytes stay in
 * the input line's JSON, which outlives the record. */
static bool read_text(const json_t *j, const char *name, const char **text, size_t *len, char *err,
		      size_t err_size)
{
	*text = NULL;
	*len = 0;
	if (!j || json_is_null(j))
		return true;
	if (!json_is_string(j)) {
		sl_seterr(err, err_size, "%s: text (a JSON string) or null", name);
		return false;
	}
	*text = json_string_value(j);
	*len = json_string_length(j);
	return true;
}

static bool read_headers(const json_t *in, sl_record_t *r, char *err, size_t err_size)
{
	const json_t *hs = json_object_get(in, "headers");
	size_t i;
	json_t *h;

	if (!hs || json_is_null(hs))
		return true;
	if (!json_is_array(hs)) {
		sl_seterr(err, err_size, "headers: an array of {\"key\":...,\"value\":...}");
		return false;
	}
	json_array_foreach(hs, i, h) {
		const json_t *k = json_object_get(h, "key");
		const char *text;
		size_t len;
		if (!json_is_object(h) || !json_is_string(k) || json_object_size(h) > 2 ||
		    (json_object_size(h) == 2 && !json_object_get(h, "value"))) {
			sl_seterr(err, err_size,
				  "headers[%zu]: an object {\"key\":\"<name>\",\"value\":<text or "
				  "null>}",
				  i);
			return false;
		}
		if (!read_text(json_object_get(h, "value"), "header value", &text, &len, err,
			       err_size))
			return false;
		sl_record_add_header(r, json_string_value(k), text, len);
	}
	return true;
}

/* Fills r (initialised) from an input line's object: the topic and the
 * bytes of key and value (borrowed from in), headers, partition, offset
 * and timestamp; *no_ts when the line has no timestamp. */
static bool read_record(const json_t *in, sl_record_t *r, const char **key, size_t *key_len,
			const char **value, size_t *value_len, bool *no_ts, char *err,
			size_t err_size)
{
	const char *name;
	const json_t *j;
	int64_t n = 0;
	bool is_null;

	if (!json_is_object(in))
		return sl_seterr(err, err_size, "a record is a JSON object"), false;
	json_object_foreach((json_t *)in, name, j) {
		if (!known_field(name))
			return sl_seterr(err, err_size, "unknown field '%s'", name), false;
	}
	j = json_object_get(in, "topic");
	if (!json_is_string(j) || json_string_length(j) == 0)
		return sl_seterr(err, err_size, "topic: a non-empty string is required"), false;
	r->topic = json_string_value(j);
	if (!read_int(in, "partition", 0, INT32_MAX, &n, &is_null, err, err_size))
		return false;
	r->partition = is_null ? -1 : (int32_t)n;
	if (!read_int(in, "offset", 0, INT64_MAX, &n, &is_null, err, err_size))
		return false;
	r->offset = is_null ? -1 : n;
	if (!read_int(in, "timestamp", INT64_MIN, INT64_MAX, &n, no_ts, err, err_size))
		return false;
	r->timestamp = *no_ts ? 0 : n;
	return read_text(json_object_get(in, "key"), "key", key, key_len, err, err_size) &&
	       read_text(json_object_get(in, "value"), "value", value, value_len, err, err_size) &&
	       read_headers(in, r, err, err_size);
}

/* ---- records to output lines ---- */

/* Appends len bytes as a JSON string, as Jackson writes the Java string
 * decoded from them as UTF-8 (bytes that are not UTF-8 become U+FFFD). */
static void write_text(sl_buf_t *out, const char *text, size_t len)
{
	json_t *s = json_stringn_nocheck(text ? text : "", len);
	sl_json_write(out, s, NULL);
	json_decref(s);
}

static void write_error(sl_buf_t *out, const char *reason)
{
	sl_buf_append_str(out, "{\"error\":");
	write_text(out, reason, strlen(reason));
	sl_buf_append_char(out, '}');
}

static void write_bytes_or_null(sl_buf_t *out, const sl_buf_t *b, bool is_null)
{
	if (is_null)
		sl_buf_append_str(out, "null");
	else
		write_text(out, b->data, b->len);
}

static void write_record(sl_buf_t *out, const sl_transform_cli_t *cli, const sl_record_t *r,
			 bool key_null, bool value_null, bool no_ts)
{
	sl_buf_append_str(out, "{\"topic\":");
	write_text(out, r->topic, strlen(r->topic));
	if (r->partition < 0)
		sl_buf_append_str(out, ",\"partition\":null");
	else
		sl_buf_appendf(out, ",\"partition\":%" PRId32, r->partition);
	/* sluice's "no timestamp" is 0: a line without one keeps none unless
	 * a transform set one */
	if ((no_ts && r->timestamp == 0) || r->timestamp < 0)
		sl_buf_append_str(out, ",\"timestamp\":null");
	else
		sl_buf_appendf(out, ",\"timestamp\":%" PRId64, r->timestamp);
	sl_buf_append_str(out, ",\"key\":");
	write_bytes_or_null(out, &cli->key, key_null);
	sl_buf_append_str(out, ",\"value\":");
	write_bytes_or_null(out, &cli->value, value_null);
	sl_buf_append_str(out, ",\"headers\":[");
	for (size_t i = 0; i < r->header_count; i++) {
		const sl_header_t *h = &r->headers[i];
		sl_buf_append_str(out, i ? ",{\"key\":" : "{\"key\":");
		write_text(out, h->key, strlen(h->key));
		sl_buf_append_str(out, ",\"value\":");
		if (h->value)
			write_text(out, h->value, h->len);
		else
			sl_buf_append_str(out, "null");
		sl_buf_append_char(out, '}');
	}
	sl_buf_append_str(out, "]}");
}

/* The record's bytes back through the converters, as a source task
 * writes them, into cli->key / cli->value. */
static bool from_values(sl_transform_cli_t *cli, const sl_record_t *r, bool *key_null,
			bool *value_null, char *err, size_t err_size)
{
	char why[1024];
	sl_buf_reset(&cli->key);
	sl_buf_reset(&cli->value);
	if (sl_converter_from_value(cli->key_conv, r->topic, &r->key, &cli->key, key_null, why,
				    sizeof(why)) != 0)
		return sl_seterr(err, err_size, "key.converter: %s", why), false;
	if (sl_converter_from_value(cli->value_conv, r->topic, &r->value, &cli->value, value_null,
				    why, sizeof(why)) != 0)
		return sl_seterr(err, err_size, "value.converter: %s", why), false;
	return true;
}

/* One parsed line: to_value, the chain, from_value. */
static void run_record(sl_transform_cli_t *cli, const json_t *in, sl_buf_t *out)
{
	char err[1024], why[1024];
	const char *key, *value;
	size_t key_len, value_len;
	bool no_ts = false, key_null, value_null;
	sl_record_t r;

	sl_record_init(&r);
	if (!read_record(in, &r, &key, &key_len, &value, &value_len, &no_ts, err, sizeof(err)))
		goto fail;
	if (sl_converter_to_value(cli->key_conv, r.topic, key, key_len, &r.key, why, sizeof(why)) !=
	    0) {
		sl_seterr(err, sizeof(err), "key.converter: %s", why);
		goto fail;
	}
	if (sl_converter_to_value(cli->value_conv, r.topic, value, value_len, &r.value, why,
				  sizeof(why)) != 0) {
		sl_seterr(err, sizeof(err), "value.converter: %s", why);
		goto fail;
	}
	switch (sl_transform_chain_apply(cli->chain, &r, err, sizeof(err))) {
	case SL_TX_DROP:
		sl_buf_append_str(out, "{\"dropped\":true}");
		goto out;
	case SL_TX_ERROR:
		goto fail;
	case SL_TX_KEEP:
		break;
	}
	if (!from_values(cli, &r, &key_null, &value_null, err, sizeof(err)))
		goto fail;
	write_record(out, cli, &r, key_null, value_null, no_ts);
	goto out;
fail:
	write_error(out, err);
out:
	sl_record_clear(&r);
}

void sl_transform_cli_line(sl_transform_cli_t *cli, const char *line, size_t len, sl_buf_t *out)
{
	json_error_t jerr;
	/* JSON_ALLOW_NUL: a key or value text may hold U+0000 */
	json_t *in = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
	if (!in) {
		char err[512];
		snprintf(err, sizeof(err), "not a JSON record (column %d): %s", jerr.column,
			 jerr.text);
		write_error(out, err);
		return;
	}
	run_record(cli, in, out);
	json_decref(in);
}

/* ---- docs ---- */

/* Appends base (with $Key and $Value when variants) to a list of total
 * names of which *n are written. */
static void markdown_type(FILE *out, const char *base, bool variants, size_t *n, size_t total)
{
	for (int k = 0; k < (variants ? 2 : 1); k++, (*n)++)
		fprintf(out, "%s`%s%s`",
			*n == 0           ? ""
			: *n + 1 == total ? " or "
					  : ", ",
			base, variants ? (k ? "$Value" : "$Key") : "");
}

/* The values transforms.<a>.type / predicates.<p>.type take for a def:
 * each class, then the simple name. */
static void markdown_types(FILE *out, const char *name, const char *const *classes, bool variants)
{
	size_t names = 1, n = 0;
	for (const char *const *c = classes; c && *c; c++)
		names++;
	size_t total = names * (variants ? 2 : 1);
	fputs("`type`: ", out);
	for (const char *const *c = classes; c && *c; c++)
		markdown_type(out, *c, variants, &n, total);
	markdown_type(out, name, variants, &n, total);
	fputs(".\n", out);
}

int sl_transform_cli_markdown(FILE *out, const char *name)
{
	const sl_option_t *options = NULL;
	const char *doc = NULL;
	for (size_t i = 0; !doc && i < sl_transform_def_count; i++) {
		const sl_transform_def_t *d = sl_transform_defs[i];
		if (d && !strcmp(d->name, name)) {
			markdown_types(out, d->name, d->classes, d->variants);
			options = d->options;
			doc = d->doc;
		}
	}
	for (size_t i = 0; !doc && i < sl_predicate_def_count; i++) {
		const sl_predicate_def_t *d = sl_predicate_defs[i];
		if (d && !strcmp(d->name, name)) {
			markdown_types(out, d->name, d->classes, false);
			options = d->options;
			doc = d->doc;
		}
	}
	if (!doc)
		return -1;
	fprintf(out, "\n%s\n\n", doc);
	if (options && options->name)
		sl_describe_markdown_table(out, options);
	else
		fputs("No options.\n", out);
	return 0;
}

/* ---- the command ---- */

static void usage(FILE *out)
{
	fputs("usage: sluice transform -c CONNECTOR_CONFIG [-w WORKER_CONFIG] <records.jsonl\n"
	      "Applies the connector's transforms to the records on stdin, one JSON\n"
	      "object a line, and prints each result (docs/transforms.md).\n",
	      out);
}

/* Loads the worker file (NULL: none) and the connector file and builds
 * the tool; NULL after printing every problem. *wcfg and *ccfg are set
 * to what loaded (free them either way). */
static sl_transform_cli_t *load(const char *worker_path, const char *connector_path,
				sl_config_t **wcfg, sl_config_t **ccfg)
{
	sl_errlist_t errs = {0};
	sl_transform_cli_t *cli = NULL;

	*ccfg = NULL;
	*wcfg = worker_path ? sl_config_load(worker_path, &errs) : NULL;
	if (worker_path && (!*wcfg || sl_worker_config_validate(*wcfg, &errs) != 0))
		goto out;
	*ccfg = sl_config_load_with(connector_path, *wcfg, &errs);
	if (*ccfg)
		cli = sl_transform_cli_new(*ccfg, *wcfg, &errs);
out:
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "error: %s\n", errs.items[i]);
	sl_errlist_free(&errs);
	return cli;
}

/* Reads stdin to its end, one output line for every input line; each is
 * flushed at once, so that a program can feed records one at a time. */
static void run_lines(sl_transform_cli_t *cli)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	sl_buf_t out = {0};

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		size_t len = (size_t)n;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		sl_buf_reset(&out);
		sl_transform_cli_line(cli, line, len, &out);
		sl_buf_append_char(&out, '\n');
		fwrite(out.data, 1, out.len, stdout);
		fflush(stdout);
	}
	free(line);
	sl_buf_free(&out);
}

int sl_transform_cli_main(int argc, char **argv)
{
	const char *worker_path = NULL, *connector_path = NULL;
	int opt;

	optind = 1;
	while ((opt = getopt(argc, argv, "c:w:h")) != -1) {
		if (opt == 'c') {
			connector_path = optarg;
		} else if (opt == 'w') {
			worker_path = optarg;
		} else {
			usage(opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (!connector_path || optind < argc) {
		usage(stderr);
		return 2;
	}
	sl_config_t *wcfg, *ccfg;
	sl_transform_cli_t *cli = load(worker_path, connector_path, &wcfg, &ccfg);
	int rc = cli ? 0 : 1;
	if (cli)
		run_lines(cli);
	sl_transform_cli_free(cli);
	sl_config_free(ccfg);
	sl_config_free(wcfg);
	return rc;
}
