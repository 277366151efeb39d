/* Java regular expressions on PCRE2, for the transforms and predicates
 * that take one.
 *
 * What matches Java: the syntax users write in these configs (classes,
 * quantifiers incl. lazy and possessive, groups, named groups (?<name>),
 * back references, lookaround, \Q...\E, inline flags (?i) (?s) (?m) (?x),
 * \xhh, \x{h...}, \uhhhh); \w \d \s and POSIX-like classes are ASCII, as in
 * Java without UNICODE_CHARACTER_CLASS; "." and "$" treat \n, \r, \r\n,
 * \u0085, \u2028 and \u2029 as line terminators, as Java does without
 * UNIX_LINES. matches() is a whole match (with backtracking, so "a|ab"
 * matches "ab"), replaceFirst / replaceAll expand $n (the first digit is
 * always a group number, further digits only while the number stays a
 * group of the pattern), ${name} and \x as Matcher does, and refuse an
 * unknown group with Java's messages. After an empty match, replaceAll
 * searches on from the next character, as Matcher.find does.
 *
 * What differs from Java:
 * - character class intersection and subtraction ([a-z&&[^aeiou]]) are
 *   not supported: "&&" is two literal '&' in PCRE2;
 * - Java-only properties (\p{javaLowerCase}, \p{Lower}, \p{Alpha},
 *   \p{Punct}, \p{IsAlphabetic}, \p{InGreek}) are refused as unknown;
 *   PCRE2's own (\p{L}, \p{Greek}, [[:alpha:]]) work;
 * - inline flags (?d) (UNIX_LINES) and (?u) (UNICODE_CASE) are refused,
 *   and (?U) is PCRE2's "ungreedy", not Java's UNICODE_CHARACTER_CLASS;
 * - (?i) folds case over all of Unicode (Java: ASCII unless (?u));
 * - after an empty match replaceAll moves on by one code point (Java: one
 *   UTF-16 unit, which for a character outside the BMP splits a pair);
 * - group names may hold '_' (Java: ASCII letters and digits only);
 * - a \u not followed by four hex digits is PCRE2's error, not Java's;
 * - error messages are PCRE2's, with the place as Java gives it ("near
 *   index n").
 *
 * An sl_regex_t keeps its match data: use one from one thread at a time
 * (a chain belongs to one task). */
#include "regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/util.h"

struct sl_regex {
	pcre2_code *find;  /* unanchored: replaceFirst / replaceAll */
	pcre2_code *whole; /* anchored at both ends: matches() */
	pcre2_match_data *md;
	uint32_t groups; /* capturing groups of the pattern */
};

/* The code point of the four hex digits at s, or -1. */
static long hex4(const char *s)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* pattern in PCRE2's words: Java's \uhhhh (a surrogate pair as one
 * character) becomes \x{h...}, outside \Q...\E. at[i] is the index in
 * pattern of byte i of the result, for error places. */
static char *translate(const char *pattern, size_t **at)
{
	size_t n = strlen(pattern);
	sl_buf_t b = {0};
	/* the result is at most 4/3 as long (\uffff becomes \x{ffff}) */
	*at = sl_malloc((n * 2 + 1) * sizeof(**at));
	bool quoted = false;
	for (size_t i = 0; i < n;) {
		long cp = pattern[i] == '\\' && pattern[i + 1] == 'u' && !quoted
				  ? hex4(pattern + i + 2)
				  : -1;
		long low = cp >= 0xD800 && cp < 0xDC00 && pattern[i + 6] == '\\' &&
					   pattern[i + 7] == 'u'
				   ? hex4(pattern + i + 8)
				   : -1;
		size_t from = b.len, used;
		if (low >= 0xDC00 && low < 0xE000) {
			sl_buf_appendf(&b, "\\x{%lx}",
				       0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00));
			used = 12;
		} else if (cp >= 0) {
			sl_buf_appendf(&b, "\\x{%lx}", cp);
			used = 6;
		} else {
			/* an escape pair is copied whole; in \Q...\E only \E is one */
			bool pair = pattern[i] == '\\' && i + 1 < n &&
				    (!quoted || pattern[i + 1] == 'E');
			used = pair ? 2 : 1;
			if (pair && (pattern[i + 1] == 'Q' || pattern[i + 1] == 'E'))
				quoted = pattern[i + 1] == 'Q';
			sl_buf_append(&b, pattern + i, used);
		}
		for (size_t k = from; k <= b.len; k++)
			(*at)[k] = i;
		i += used;
	}
	sl_buf_append_str(&b, "");
	(*at)[b.len] = n;
	return sl_buf_steal(&b);
}

/* Compiles pattern with Java's conventions; NULL with err. */
static pcre2_code *compile(const char *pattern, uint32_t extra, char *err, size_t err_size)
{
	size_t *at_of;
	char *text = translate(pattern, &at_of);
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	pcre2_set_newline(cc, PCRE2_NEWLINE_ANY); /* Java's line terminators */
	int code;
	PCRE2_SIZE at;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED, PCRE2_UTF | extra,
				       &code, &at, cc);
	pcre2_compile_context_free(cc);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, err_size, "%s near index %zu", (const char *)msg,
			 at_of[at <= strlen(text) ? at : strlen(text)]);
	}
	free(text);
	free(at_of);
	if (!re)
		return NULL;
	/* JIT when the platform has it; the interpreter otherwise. */
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

sl_regex_t *sl_regex_new(const char *pattern, char *err, size_t err_size)
{
	sl_regex_t *re = sl_calloc(1, sizeof(*re));
	re->find = compile(pattern, 0, err, err_size);
	if (re->find)
		re->whole = compile(pattern, PCRE2_ANCHORED | PCRE2_ENDANCHORED, err, err_size);
	if (!re->whole) {
		sl_regex_free(re);
		return NULL;
	}
	pcre2_pattern_info(re->find, PCRE2_INFO_CAPTURECOUNT, &re->groups);
	re->md = pcre2_match_data_create_from_pattern(re->find, NULL);
	return re;
}

void sl_regex_free(sl_regex_t *re)
{
	if (!re)
		return;
	pcre2_code_free(re->find);
	pcre2_code_free(re->whole);
	pcre2_match_data_free(re->md);
	free(re);
}

bool sl_regex_matches(const sl_regex_t *re, const char *s, size_t len)
{
	return pcre2_match(re->whole, (PCRE2_SPTR)s, len, 0, 0, re->md, NULL) >= 0;
}

/* Appends group g of the last match (nothing when it did not take part,
 * as Matcher appends nothing for a null group). */
static void append_group(sl_buf_t *out, const sl_regex_t *re, const char *s, uint32_t g)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
	if (ov[2 * g] == PCRE2_UNSET)
		return;
	sl_buf_append(out, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

static bool is_ascii_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The group number of "${name}" at r[*i] (just past the '$'); -1 with err
 * in Java's words. */
static long named_group(const sl_regex_t *re, const char *r, size_t *i, char *err, size_t err_size)
{
	size_t start = ++*i; /* past '{' */
	while (r[*i] && is_ascii_alnum(r[*i]))
		(*i)++;
	size_t n = *i - start;
	if (!n)
		return sl_seterr(err, err_size, "named capturing group has 0 length name");
	if (r[*i] != '}')
		return sl_seterr(err, err_size, "named capturing group is missing trailing '}'");
	char *name = sl_strndup(r + start, n);
	(*i)++;
	int g = -1;
	if (name[0] >= '0' && name[0] <= '9')
		snprintf(err, err_size, "capturing group name {%s} starts with digit character",
			 name);
	else if ((g = pcre2_substring_number_from_name(re->find, (PCRE2_SPTR)name)) < 0)
		snprintf(err, err_size, "No group with name {%s}", name);
	free(name);
	return g < 0 ? -1 : g;
}

/* The group number of "$n..." at r[*i]: the first digit always counts,
 * each further one only while the number stays a group of the pattern. */
static long numbered_group(const sl_regex_t *re, const char *r, size_t *i, char *err,
			   size_t err_size)
{
	if (r[*i] < '0' || r[*i] > '9')
		return sl_seterr(err, err_size, "Illegal group reference");
	long g = r[(*i)++] - '0';
	while (r[*i] >= '0' && r[*i] <= '9') {
		long next = g * 10 + (r[*i] - '0');
		if (next > (long)re->groups)
			break;
		g = next;
		(*i)++;
	}
	if (g > (long)re->groups)
		return sl_seterr(err, err_size, "No group %ld", g);
	return g;
}

/* Appends replacement r expanded for the last match of s (Matcher's
 * appendReplacement); -1 with err on a bad group reference or escape. */
static int expand(sl_buf_t *out, const sl_regex_t *re, const char *s, const char *r, char *err,
		  size_t err_size)
{
	for (size_t i = 0; r[i];) {
		if (r[i] == '\\') {
			if (!r[++i])
				return sl_seterr(err, err_size,
						 "character to be escaped is missing");
			sl_buf_append_char(out, r[i++]); /* a UTF-8 tail byte copies on */
			continue;
		}
		if (r[i] != '$') {
			sl_buf_append_char(out, r[i++]);
			continue;
		}
		if (!r[++i])
			return sl_seterr(err, err_size,
					 "Illegal group reference: group index is missing");
		long g = r[i] == '{' ? named_group(re, r, &i, err, err_size)
				     : numbered_group(re, r, &i, err, err_size);
		if (g < 0)
			return -1;
		append_group(out, re, s, (uint32_t)g);
	}
	return 0;
}

/* The length of the UTF-8 character at s[at] (1 for a stray byte). */
static size_t char_len(const char *s, size_t len, size_t at)
{
	unsigned char c = (unsigned char)s[at];
	size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	return at + n <= len ? n : len - at;
}

char *sl_regex_replace(const sl_regex_t *re, const char *s, size_t len, const char *replacement,
		       bool all, size_t *out_len, char *err, size_t err_size)
{
	sl_buf_t out = {0};
	size_t copied = 0, from = 0;
	while (from <= len) {
		if (pcre2_match(re->find, (PCRE2_SPTR)s, len, from, 0, re->md, NULL) < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
		size_t start = ov[0], end = ov[1];
		sl_buf_append(&out, s + copied, start - copied);
		if (expand(&out, re, s, replacement, err, err_size) != 0) {
			sl_buf_free(&out);
			return NULL;
		}
		copied = end;
		if (!all || (end == start && end >= len))
			break;
		/* after an empty match, search on from the next character */
		from = end > start ? end : end + char_len(s, len, end);
	}
	sl_buf_append(&out, s + copied, len - copied);
	*out_len = out.len;
	return out.data ? sl_buf_steal(&out) : sl_strndup("", 0);
}
