/* Loaders for the Kafka Connect formats: Java .properties files and REST
 * style .json connector files. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"
#include "sluice/config.h"

/* ---- .properties ----------------------------------------------------------
 * Follows java.util.Properties.load: natural lines end at \n, \r or \r\n; a
 * line ending in an odd number of backslashes continues on the next one
 * (whose leading blanks are dropped); '#' or '!' first on a line starts a
 * comment; the key ends at the first unescaped '=', ':' or blank. */

typedef struct prop_cursor {
	const char *p;
	int line; /* line of the next natural line */
} prop_cursor_t;

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\f';
}

/* Returns the next natural line (without terminator) in *start and *len. */
static bool next_natural_line(prop_cursor_t *cur, const char **start, size_t *len)
{
	if (*cur->p == '\0')
		return false;
	*start = cur->p;
	*len = strcspn(cur->p, "\r\n");
	cur->p += *len;
	if (cur->p[0] == '\r' && cur->p[1] == '\n')
		cur->p += 2;
	else if (*cur->p)
		cur->p++;
	cur->line++;
	return true;
}

static bool ends_in_continuation(const char *s, size_t len)
{
	size_t n = 0;
	while (n < len && s[len - 1 - n] == '\\')
		n++;
	return n % 2 == 1;
}

/* Reads the next logical line into out, skipping blank and comment lines.
 * *line gets the number of its first natural line. */
static bool next_logical_line(prop_cursor_t *cur, sl_buf_t *out, int *line)
{
	const char *s;
	size_t len;

	sl_buf_reset(out);
	sl_buf_append_str(out, "");
	for (;;) {
		if (!next_natural_line(cur, &s, &len))
			return false;
		while (len && is_blank(*s))
			s++, len--;
		if (len && *s != '#' && *s != '!')
			break;
	}
	*line = cur->line;
	while (ends_in_continuation(s, len)) {
		sl_buf_append(out, s, len - 1);
		if (!next_natural_line(cur, &s, &len))
			return true;
		while (len && is_blank(*s))
			s++, len--;
	}
	sl_buf_append(out, s, len);
	return true;
}

/* Reads the 4 hex digits after "\u" at s; -1 when malformed. */
static long read_u4(const char *s, size_t len)
{
	long v = 0;
	for (size_t i = 0; i < 4; i++) {
		int h = i < len ? sl_hex_digit(s[i]) : -1;
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static void append_utf8(sl_buf_t *out, unsigned long cp)
{
	if (cp < 0x80) {
		sl_buf_append_char(out, (char)cp);
	} else if (cp < 0x800) {
		sl_buf_append_char(out, (char)(0xc0 | (cp >> 6)));
		sl_buf_append_char(out, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		sl_buf_append_char(out, (char)(0xe0 | (cp >> 12)));
		sl_buf_append_char(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
		sl_buf_append_char(out, (char)(0x80 | (cp & 0x3f)));
	} else {
		sl_buf_append_char(out, (char)(0xf0 | (cp >> 18)));
		sl_buf_append_char(out, (char)(0x80 | ((cp >> 12) & 0x3f)));
		sl_buf_append_char(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
		sl_buf_append_char(out, (char)(0x80 | (cp & 0x3f)));
	}
}

/* Decodes "\uXXXX" (and a following low surrogate) at s[0..len); returns
 * the bytes consumed after the backslash, or 0 with *why set. */
static size_t decode_u(const char *s, size_t len, sl_buf_t *out, const char **why)
{
	long hi = read_u4(s + 1, len - 1);

	*why = "malformed \\uXXXX escape";
	if (hi < 0)
		return 0;
	if (hi == 0) {
		*why = "\\u0000 is not allowed";
		return 0;
	}
	if (hi < 0xd800 || hi > 0xdfff) {
		append_utf8(out, (unsigned long)hi);
		return 5;
	}
	long lo = len >= 11 && s[5] == '\\' && s[6] == 'u' ? read_u4(s + 7, len - 7) : -1;
	if (hi > 0xdbff || lo < 0xdc00 || lo > 0xdfff) {
		*why = "\\u escape is an unpaired UTF-16 surrogate";
		return 0;
	}
	append_utf8(out,
		    0x10000 + (((unsigned long)hi - 0xd800) << 10) + ((unsigned long)lo - 0xdc00));
	return 11;
}

/* The character "\c" stands for: \t \n \r \f, else c itself. */
static char escaped_char(char c)
{
	switch (c) {
	case 't':
		return '\t';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 'f':
		return '\f';
	default:
		return c;
	}
}

/* Unescapes s[0..len) into a new string; NULL with *why set on a bad
 * escape. */
static char *unescape(const char *s, size_t len, const char **why)
{
	sl_buf_t out = {0};

	sl_buf_append_str(&out, "");
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\' || i + 1 >= len) {
			if (s[i] != '\\')
				sl_buf_append_char(&out, s[i]);
			continue;
		}
		char c = s[++i];
		if (c == 'u') {
			size_t used = decode_u(s + i, len - i, &out, why);
			if (used == 0) {
				sl_buf_free(&out);
				return NULL;
			}
			i += used - 1;
			continue;
		}
		sl_buf_append_char(&out, escaped_char(c));
	}
	return sl_buf_steal(&out);
}

/* Splits a logical line into key and value the way Properties.load does. */
static void split_key_value(const char *s, size_t len, size_t *key_len, size_t *value_start)
{
	size_t k = 0, v = len;
	bool escaped = false, has_sep = false;

	for (; k < len; k++) {
		char c = s[k];
		if (!escaped && (c == '=' || c == ':' || is_blank(c))) {
			has_sep = c == '=' || c == ':';
			v = k + 1;
			break;
		}
		escaped = c == '\\' ? !escaped : false;
	}
	for (; v < len; v++) {
		if (is_blank(s[v]))
			continue;
		if (has_sep || (s[v] != '=' && s[v] != ':'))
			break;
		has_sep = true;
	}
	*key_len = k;
	*value_start = v;
}

/* Adds the key and value of one logical line to cfg; NULL, or why the
 * line is malformed. */
static const char *properties_line(sl_config_t *cfg, const sl_buf_t *ll, int line, const char *name)
{
	const char *why = NULL;
	size_t klen, vstart;
	char *key, *value = NULL;

	split_key_value(ll->data, ll->len, &klen, &vstart);
	key = unescape(ll->data, klen, &why);
	if (key)
		value = unescape(ll->data + vstart, ll->len - vstart, &why);
	bool ok = key && value;
	if (ok)
		sl_config_set(cfg, key, value, name, line);
	free(key);
	free(value);
	return ok ? NULL : why;
}

sl_config_t *sl_config_parse_properties(const char *text, const char *name, sl_errlist_t *errs)
{
	sl_config_t *cfg = sl_config_new();
	prop_cursor_t cur = {.p = text, .line = 0};
	sl_buf_t ll = {0};
	size_t bad = 0;
	int line;

	sl_config_set_source(cfg, name);
	while (next_logical_line(&cur, &ll, &line)) {
		const char *why = properties_line(cfg, &ll, line, name);
		if (why && bad++ < SL_CONFIG_MAX_ERRORS)
			sl_errlist_addf(errs, "%s:%d: %s", name, line, why);
	}
	sl_buf_free(&ll);
	if (bad > SL_CONFIG_MAX_ERRORS)
		sl_config_more_errors(errs, name, bad - SL_CONFIG_MAX_ERRORS);
	if (bad) {
		sl_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* ---- .json ----------------------------------------------------------------
 * {"name": "x", "config": {...}} as posted to the Kafka Connect REST API
 * (also with the "tasks" and "type" members GET /connectors/x returns), or
 * a flat object of keys as PUT to /connectors/x/config. */

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	default:
		return "null";
	}
}

/* One JSON file being flattened; bad counts its problems, of which the
 * first SL_CONFIG_MAX_ERRORS are added to errs. */
typedef struct json_ctx {
	sl_config_t *cfg;
	const char *name;
	sl_errlist_t *errs;
	size_t bad;
} json_ctx_t;

static void json_error(json_ctx_t *jc, const char *fmt, ...) SL_PRINTF(2, 3);
static void json_error(json_ctx_t *jc, const char *fmt, ...)
{
	va_list ap;

	if (jc->bad++ >= SL_CONFIG_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	sl_errlist_vaddf(jc->errs, fmt, ap);
	va_end(ap);
}

/* Sets key from a scalar JSON value; other values are errors. */
static void json_set(json_ctx_t *jc, const char *key, const json_t *v)
{
	char buf[64], shown[256];
	const char *s;

	if (json_is_string(v)) {
		s = json_string_value(v);
	} else if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = buf;
	} else if (json_is_real(v)) {
		s = sl_format_double_shortest(json_real_value(v), buf, sizeof(buf));
	} else if (json_is_boolean(v)) {
		s = json_is_true(v) ? "true" : "false";
	} else {
		json_error(jc, "%s: key '%s': value is %s; expected a string, number or boolean",
			   jc->name, sl_config_printable(key, shown, sizeof(shown)), json_kind(v));
		return;
	}
	sl_config_set(jc->cfg, key, s, jc->name, 0);
}

static void json_flat(json_ctx_t *jc, const json_t *obj)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v)
		json_set(jc, key, v);
}

/* The REST form: checks the top-level members, then flattens "config"
 * with "name" first. */
static void json_rest(json_ctx_t *jc, const json_t *top)
{
	const json_t *conf = json_object_get(top, "config");
	const json_t *top_name = json_object_get(top, "name");
	const json_t *conf_name = json_object_get(conf, "name");
	char shown[256], shown2[256];
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)top, key, v) {
		if (strcmp(key, "name") && strcmp(key, "config") && strcmp(key, "tasks") &&
		    strcmp(key, "type"))
			json_error(jc,
				   "%s: unexpected top-level member '%s' (expected \"name\" and "
				   "\"config\")",
				   jc->name, sl_config_printable(key, shown, sizeof(shown)));
	}
	if (top_name && !json_is_string(top_name)) {
		json_error(jc, "%s: \"name\" must be a string", jc->name);
		return;
	}
	if (top_name && json_is_string(conf_name) &&
	    strcmp(json_string_value(top_name), json_string_value(conf_name)) != 0)
		json_error(
			jc, "%s: \"name\" is '%s' but config.name is '%s'", jc->name,
			sl_config_printable(json_string_value(top_name), shown, sizeof(shown)),
			sl_config_printable(json_string_value(conf_name), shown2, sizeof(shown2)));
	if (top_name && !conf_name)
		json_set(jc, "name", top_name);
	json_flat(jc, conf);
}

sl_config_t *sl_config_parse_json(const char *text, const char *name, sl_errlist_t *errs)
{
	json_error_t jerr;
	json_t *top = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	json_ctx_t jc = {.name = name, .errs = errs};
	char shown[256];

	if (!top) {
		sl_errlist_addf(errs, "%s:%d:%d: syntax error: %s", name, jerr.line, jerr.column,
				sl_config_printable(jerr.text, shown, sizeof(shown)));
		goto out;
	}
	if (!json_is_object(top)) {
		sl_errlist_addf(errs, "%s: expected a JSON object", name);
		goto out;
	}
	const json_t *conf = json_object_get(top, "config");
	if (conf && !json_is_object(conf)) {
		sl_errlist_addf(errs, "%s: \"config\" must be an object", name);
		goto out;
	}
	jc.cfg = sl_config_new();
	sl_config_set_source(jc.cfg, name);
	if (conf)
		json_rest(&jc, top);
	else
		json_flat(&jc, top);
	if (jc.bad > SL_CONFIG_MAX_ERRORS)
		sl_config_more_errors(errs, name, jc.bad - SL_CONFIG_MAX_ERRORS);
	if (jc.bad) {
		sl_config_free(jc.cfg);
		jc.cfg = NULL;
	}
out:
	json_decref(top);
	return jc.cfg;
}
