/* MQTT topic names and filters (spec 4.7): validity and matching,
 * shared subscriptions ("$share/<group>/<filter>") included. */
#include <stdio.h>
#include <string.h>

#include "mqtt_priv.h"
#include "sluice/util.h"

#define SHARE_PREFIX "$share/"
#define SHARE_PREFIX_LEN 7

/* What every topic name and filter must be: 1 to 65,535 bytes of UTF-8
 * without U+0000. */
static bool string_ok(mqtt_str_t s, const char *what, char *err, size_t errlen)
{
	if (!s.ptr || !s.len)
		return sl_seterr(err, errlen, "%s is empty", what), false;
	if (s.len > UINT16_MAX)
		return sl_seterr(err, errlen, "%s is %zu bytes long, more than 65535", what, s.len),
		       false;
	if (!mqtt_utf8_ok(s.ptr, s.len))
		return sl_seterr(err, errlen, "%s is not UTF-8 without U+0000", what), false;
	return true;
}

bool mqtt_topic_valid(mqtt_str_t t, char *err, size_t errlen)
{
	if (!string_ok(t, "topic name", err, errlen))
		return false;
	for (size_t i = 0; i < t.len; i++)
		if (t.ptr[i] == '+' || t.ptr[i] == '#')
			return sl_seterr(err, errlen,
					 "topic name has the wildcard '%c' at byte %zu", t.ptr[i],
					 i),
			       false;
	return true;
}

/* The end of the level that starts at i in s[0..len). */
static size_t level_end(const char *s, size_t len, size_t i)
{
	const char *slash = i < len ? memchr(s + i, '/', len - i) : NULL;
	return slash ? (size_t)(slash - s) : len;
}

/* Checks the wildcards of a filter without its shared prefix. */
static bool levels_ok(const char *s, size_t len, char *err, size_t errlen)
{
	for (size_t i = 0;; i++) {
		size_t end = level_end(s, len, i);
		for (size_t j = i; j < end; j++) {
			if (s[j] != '+' && s[j] != '#')
				continue;
			if (end - i != 1)
				return sl_seterr(err, errlen,
						 "'%c' at byte %zu does not fill a whole level",
						 s[j], j),
				       false;
			if (s[j] == '#' && end != len)
				return sl_seterr(err, errlen,
						 "'#' at byte %zu is not the last level", j),
				       false;
		}
		if (end == len)
			return true;
		i = end;
	}
}

/* When f is a shared subscription, the group's end (the '/' after it). */
static const char *share_group_end(mqtt_str_t f)
{
	if (f.len < SHARE_PREFIX_LEN || memcmp(f.ptr, SHARE_PREFIX, SHARE_PREFIX_LEN))
		return NULL;
	return memchr(f.ptr + SHARE_PREFIX_LEN, '/', f.len - SHARE_PREFIX_LEN);
}

bool mqtt_filter_valid(mqtt_str_t f, char *err, size_t errlen)
{
	const char *group, *end;

	if (!string_ok(f, "topic filter", err, errlen))
		return false;
	if (f.len < SHARE_PREFIX_LEN || memcmp(f.ptr, SHARE_PREFIX, SHARE_PREFIX_LEN))
		return levels_ok(f.ptr, f.len, err, errlen);
	group = f.ptr + SHARE_PREFIX_LEN;
	if (!(end = share_group_end(f)))
		return sl_seterr(err, errlen, "shared subscription has no filter after its group"),
		       false;
	if (end == group)
		return sl_seterr(err, errlen, "shared subscription has an empty group name"), false;
	for (const char *c = group; c < end; c++)
		if (*c == '+' || *c == '#')
			return sl_seterr(err, errlen, "shared subscription group has '%c'", *c),
			       false;
	size_t rest = f.len - (size_t)(end + 1 - f.ptr);
	if (!rest)
		return sl_seterr(err, errlen, "shared subscription has an empty filter"), false;
	return levels_ok(end + 1, rest, err, errlen);
}

bool mqtt_topic_matches(mqtt_str_t f, mqtt_str_t t)
{
	const char *end = share_group_end(f);
	size_t fi = 0, ti = 0;

	if (end) {
		f.len -= (size_t)(end + 1 - f.ptr);
		f.ptr = end + 1;
	}
	if (!f.len || !t.len)
		return false;
	if (t.ptr[0] == '$' && (f.ptr[0] == '+' || f.ptr[0] == '#'))
		return false;
	for (;;) {
		size_t fe = level_end(f.ptr, f.len, fi), te = level_end(t.ptr, t.len, ti);
		bool plus = fe - fi == 1 && f.ptr[fi] == '+';
		if (fe - fi == 1 && f.ptr[fi] == '#')
			return true;
		if (!plus && (fe - fi != te - ti || memcmp(f.ptr + fi, t.ptr + ti, fe - fi)))
			return false;
		if (fe == f.len && te == t.len)
			return true;
		if (te == t.len) /* "a/#" matches "a" */
			return f.len - fe == 2 && f.ptr[fe + 1] == '#';
		if (fe == f.len)
			return false;
		fi = fe + 1;
		ti = te + 1;
	}
}
