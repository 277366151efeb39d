/* SimpleDateFormat patterns in UTC (datefmt.h). A pattern compiles into a
 * list of items, each a field (a run of one letter) or literal text, so
 * that formatting a record's timestamp allocates nothing. */
#include "datefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sluice/mem.h"
#include "tx_util.h"

typedef struct item {
	char letter; /* 0: literal text */
	int count;   /* letters in the run */
	char *text;  /* literal */
	size_t len;
} item_t;

struct sl_datefmt {
	char *pattern;
	item_t *items;
	size_t count;
};

static const char *const month_names[] = {"January",   "February", "March",    "April",
					  "May",       "June",     "July",     "August",
					  "September", "October",  "November", "December"};
/* Monday first, as ISO day numbers (u) count. */
static const char *const day_names[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
					"Friday", "Saturday", "Sunday"};

/* Letters Java knows; the ones sluice cannot honour (week-based fields)
 * are refused rather than guessed. */
static const char java_letters[] = "GyYMLwWDdFEuaHkKhmsSzZX";
static const char unsupported_letters[] = "YwW";

/* ---- calendar arithmetic (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* ---- compiling ---- */

static void add_item(sl_datefmt_t *f, char letter, int count, const char *text, size_t len)
{
	/* Adjacent literal pieces ("'T'" after "-") join into one. */
	if (!letter && f->count && !f->items[f->count - 1].letter) {
		item_t *last = &f->items[f->count - 1];
		last->text = sl_realloc(last->text, last->len + len + 1);
		memcpy(last->text + last->len, text, len);
		last->len += len;
		last->text[last->len] = '\0';
		return;
	}
	f->items = sl_realloc(f->items, (f->count + 1) * sizeof(*f->items));
	item_t *it = &f->items[f->count++];
	*it = (item_t){.letter = letter, .count = count};
	if (!letter) {
		it->text = sl_strndup(text, len);
		it->len = len;
	}
}

/* A quoted literal starting after the opening quote at p[*i]; '' inside is
 * one quote. False when it never closes. */
static bool compile_quoted(sl_datefmt_t *f, const char *p, size_t *i)
{
	size_t j = *i + 1;
	for (;;) {
		if (!p[j])
			return false;
		if (p[j] == '\'' && p[j + 1] == '\'') {
			add_item(f, 0, 0, "'", 1);
			j += 2;
		} else if (p[j] == '\'') {
			*i = j + 1;
			return true;
		} else {
			size_t k = j;
			while (p[k] && p[k] != '\'')
				k++;
			add_item(f, 0, 0, p + j, k - j);
			j = k;
		}
	}
}

static bool compile_letter(sl_datefmt_t *f, const char *p, size_t *i, char *err, size_t err_size)
{
	char c = p[*i];
	size_t j = *i;
	while (p[j] == c)
		j++;
	int count = (int)(j - *i);
	if (!strchr(java_letters, c)) {
		sl_seterr(err, err_size, "Illegal pattern character '%c'", c);
		return false;
	}
	if (strchr(unsupported_letters, c)) {
		sl_seterr(err, err_size, "pattern letter '%c' (week-based) is not supported", c);
		return false;
	}
	if (c == 'X' && count > 3) {
		sl_seterr(err, err_size, "invalid ISO 8601 format: length=%d", count);
		return false;
	}
	add_item(f, c, count, NULL, 0);
	*i = j;
	return true;
}

sl_datefmt_t *sl_datefmt_new(const char *pattern, char *err, size_t err_size)
{
	sl_datefmt_t *f = sl_calloc(1, sizeof(*f));
	f->pattern = sl_strdup(pattern);
	for (size_t i = 0; pattern[i];) {
		char c = pattern[i];
		if (c == '\'' && pattern[i + 1] == '\'') {
			add_item(f, 0, 0, "'", 1);
			i += 2;
		} else if (c == '\'') {
			if (!compile_quoted(f, pattern, &i)) {
				sl_seterr(err, err_size, "Unterminated quote");
				goto fail;
			}
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			if (!compile_letter(f, pattern, &i, err, err_size))
				goto fail;
		} else {
			add_item(f, 0, 0, &pattern[i], 1);
			i++;
		}
	}
	return f;
fail:
	sl_datefmt_free(f);
	return NULL;
}

const char *sl_datefmt_pattern(const sl_datefmt_t *f)
{
	return f->pattern;
}

void sl_datefmt_free(sl_datefmt_t *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->count; i++)
		free(f->items[i].text);
	free(f->items);
	free(f->pattern);
	free(f);
}

/* ---- formatting ---- */

typedef struct fields {
	int64_t year;
	int month, day, yday, wday; /* wday: 0 = Monday */
	int hour, minute, second, milli;
} fields_t;

static void split_ms(int64_t ms, fields_t *t)
{
	int64_t days = floor_div(ms, SL_TXU_MS_PER_DAY);
	int64_t rest = ms - days * SL_TXU_MS_PER_DAY;
	civil_from_days(days, &t->year, &t->month, &t->day);
	t->yday = (int)(days - days_from_civil(t->year, 1, 1)) + 1;
	t->wday = (int)(((days % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
	t->hour = (int)(rest / 3600000);
	t->minute = (int)(rest / 60000 % 60);
	t->second = (int)(rest / 1000 % 60);
	t->milli = (int)(rest % 1000);
}

static void put_num(sl_buf_t *out, int64_t v, int width)
{
	sl_buf_appendf(out, "%0*lld", width, (long long)v);
}

static void put_name(sl_buf_t *out, const char *name, int count)
{
	sl_buf_append(out, name, count >= 4 ? strlen(name) : 3);
}

static void format_field(const item_t *it, const fields_t *t, sl_buf_t *out)
{
	int n = it->count;
	switch (it->letter) {
	case 'G':
		sl_buf_append_str(out, t->year > 0 ? "AD" : "BC");
		break;
	case 'y':
		put_num(out, n == 2 ? t->year % 100 : t->year, n);
		break;
	case 'M':
	case 'L':
		if (n >= 3)
			put_name(out, month_names[t->month - 1], n);
		else
			put_num(out, t->month, n);
		break;
	case 'D':
		put_num(out, t->yday, n);
		break;
	case 'd':
		put_num(out, t->day, n);
		break;
	case 'F':
		put_num(out, (t->day - 1) / 7 + 1, n);
		break;
	case 'E':
		put_name(out, day_names[t->wday], n);
		break;
	case 'u':
		put_num(out, t->wday + 1, n);
		break;
	case 'a':
		sl_buf_append_str(out, t->hour < 12 ? "AM" : "PM");
		break;
	case 'H':
		put_num(out, t->hour, n);
		break;
	case 'k':
		put_num(out, t->hour ? t->hour : 24, n);
		break;
	case 'K':
		put_num(out, t->hour % 12, n);
		break;
	case 'h':
		put_num(out, t->hour % 12 ? t->hour % 12 : 12, n);
		break;
	case 'm':
		put_num(out, t->minute, n);
		break;
	case 's':
		put_num(out, t->second, n);
		break;
	case 'S':
		put_num(out, t->milli, n);
		break;
	case 'z':
		sl_buf_append_str(out, n >= 4 ? "Coordinated Universal Time" : "UTC");
		break;
	case 'Z':
		sl_buf_append_str(out, "+0000");
		break;
	case 'X':
		sl_buf_append_char(out, 'Z');
		break;
	default:
		break;
	}
}

void sl_datefmt_format(const sl_datefmt_t *f, int64_t ms, sl_buf_t *out)
{
	fields_t t;
	split_ms(ms, &t);
	for (size_t i = 0; i < f->count; i++) {
		const item_t *it = &f->items[i];
		if (it->letter)
			format_field(it, &t, out);
		else
			sl_buf_append(out, it->text, it->len);
	}
}

/* ---- parsing ---- */

typedef struct parsed {
	int64_t year, month, day, yday, hour, minute, second, milli, offset_ms;
	int ampm;      /* -1 none, 0 AM, 1 PM */
	int hour_kind; /* the letter that set hour */
	bool has_yday, has_day;
} parsed_t;

static bool is_numeric(char letter, int count)
{
	if (letter == 'M' || letter == 'L')
		return count < 3;
	return letter && strchr("yDdFuHkKhmsS", letter);
}

/* Digits at s[*pos] (at most max when max > 0) into *v. */
static bool take_number(const char *s, size_t len, size_t *pos, int max, int64_t *v, int *ndigits)
{
	size_t p = *pos;
	int64_t n = 0;
	int k = 0;
	while (p < len && s[p] >= '0' && s[p] <= '9' && (max <= 0 || k < max) && k < 18) {
		n = n * 10 + (s[p] - '0');
		p++;
		k++;
	}
	if (!k)
		return false;
	*pos = p;
	*v = n;
	*ndigits = k;
	return true;
}

/* A name of names (full or three-letter, any case) at s[*pos]: its index. */
static int take_name(const char *s, size_t len, size_t *pos, const char *const *names, int count)
{
	for (int full = 1; full >= 0; full--) {
		for (int i = 0; i < count; i++) {
			size_t n = full ? strlen(names[i]) : 3;
			if (*pos + n <= len && !strncasecmp(s + *pos, names[i], n)) {
				*pos += n;
				return i;
			}
		}
	}
	return -1;
}

static bool take_zone(const char *s, size_t len, size_t *pos, int64_t *offset_ms)
{
	static const char *const utc_names[] = {"Coordinated Universal Time", "UTC", "GMT", "Z"};
	for (size_t i = 0; i < SL_ARRAY_LEN(utc_names); i++) {
		size_t n = strlen(utc_names[i]);
		if (*pos + n <= len && !strncmp(s + *pos, utc_names[i], n)) {
			*pos += n;
			if (n != 3 || *pos >= len || (s[*pos] != '+' && s[*pos] != '-'))
				return *offset_ms = 0, true;
		}
	}
	if (*pos >= len || (s[*pos] != '+' && s[*pos] != '-'))
		return false;
	int sign = s[(*pos)++] == '-' ? -1 : 1;
	int64_t hh, mm = 0;
	int k;
	if (!take_number(s, len, pos, 2, &hh, &k))
		return false;
	if (*pos < len && s[*pos] == ':')
		(*pos)++;
	take_number(s, len, pos, 2, &mm, &k);
	*offset_ms = sign * (hh * 3600000 + mm * 60000);
	return true;
}

/* A two-digit year as Java resolves it: within 80 years before and 20
 * after now. */
static int64_t century_year(int64_t yy)
{
	int64_t now_year;
	int m, d;
	civil_from_days(floor_div((int64_t)time(NULL) * 1000, SL_TXU_MS_PER_DAY), &now_year, &m,
			&d);
	int64_t start = now_year - 80;
	int64_t y = start / 100 * 100 + yy;
	return y < start ? y + 100 : y;
}

static bool parse_number_field(const item_t *it, const item_t *next, const char *s, size_t len,
			       size_t *pos, parsed_t *p)
{
	int64_t v;
	int k;
	/* Abutting numeric fields ("yyyyMMdd") take exactly their width. */
	int max = next && is_numeric(next->letter, next->count) ? it->count : 0;
	if (!take_number(s, len, pos, max, &v, &k))
		return false;
	switch (it->letter) {
	case 'y':
		p->year = (it->count <= 2 && k == 2) ? century_year(v) : v;
		break;
	case 'M':
	case 'L':
		p->month = v;
		break;
	case 'd':
		p->day = v, p->has_day = true;
		break;
	case 'D':
		p->yday = v, p->has_yday = true;
		break;
	case 'H':
	case 'k':
	case 'K':
	case 'h':
		p->hour = (it->letter == 'k' && v == 24) || (it->letter == 'h' && v == 12) ? 0 : v;
		p->hour_kind = it->letter;
		break;
	case 'm':
		p->minute = v;
		break;
	case 's':
		p->second = v;
		break;
	case 'S':
		p->milli = v;
		break;
	default: /* F, u: read and not used */
		break;
	}
	return true;
}

static bool parse_item(const item_t *it, const item_t *next, const char *s, size_t len, size_t *pos,
		       parsed_t *p)
{
	int idx;
	if (!it->letter) {
		if (*pos + it->len > len || memcmp(s + *pos, it->text, it->len))
			return false;
		*pos += it->len;
		return true;
	}
	if (is_numeric(it->letter, it->count))
		return parse_number_field(it, next, s, len, pos, p);
	switch (it->letter) {
	case 'M':
	case 'L':
		idx = take_name(s, len, pos, month_names, 12);
		p->month = idx + 1;
		return idx >= 0;
	case 'E':
		return take_name(s, len, pos, day_names, 7) >= 0;
	case 'a':
		if (*pos + 2 > len)
			return false;
		p->ampm = !strncasecmp(s + *pos, "AM", 2)   ? 0
			  : !strncasecmp(s + *pos, "PM", 2) ? 1
							    : -2;
		*pos += 2;
		return p->ampm >= 0;
	case 'G':
		if (*pos + 2 > len || (strncmp(s + *pos, "AD", 2) && strncmp(s + *pos, "BC", 2)))
			return false;
		*pos += 2;
		return true;
	default: /* z Z X */
		return take_zone(s, len, pos, &p->offset_ms);
	}
}

/* The years around 1970 whose days a parse computes without overflow;
 * beyond them no millisecond time fits in 64 bits anyway. */
#define MAX_PARSED_YEAR INT64_C(300000000)

/* *t += v * scale; false when it overflows. */
static bool add_scaled(int64_t *t, int64_t v, int64_t scale)
{
	int64_t x;
	return !__builtin_mul_overflow(v, scale, &x) && !__builtin_add_overflow(*t, x, t);
}

bool sl_datefmt_parse(const sl_datefmt_t *f, const char *s, size_t len, int64_t *ms)
{
	parsed_t p = {.year = 1970, .month = 1, .day = 1, .ampm = -1};
	size_t pos = 0;
	for (size_t i = 0; i < f->count; i++) {
		const item_t *next = i + 1 < f->count ? &f->items[i + 1] : NULL;
		if (!parse_item(&f->items[i], next, s, len, &pos, &p))
			return false;
	}
	if (p.ampm == 1 && (p.hour_kind == 'h' || p.hour_kind == 'K'))
		p.hour += 12;
	/* Lenient, as Java's default: out-of-range fields roll over. A field
	 * may hold 18 digits, so a time whose milliseconds do not fit in 64
	 * bits (some 292 million years) does not parse. */
	int64_t y = p.year + floor_div(p.month - 1, 12);
	int64_t m = p.month - 1 - floor_div(p.month - 1, 12) * 12 + 1;
	if (y < -MAX_PARSED_YEAR || y > MAX_PARSED_YEAR)
		return false;
	int64_t days = p.has_yday && !p.has_day ? days_from_civil(y, 1, 1) + p.yday - 1
						: days_from_civil(y, m, 1) + p.day - 1;
	int64_t t;
	return !__builtin_mul_overflow(days, SL_TXU_MS_PER_DAY, &t) &&
	       add_scaled(&t, p.hour, 3600000) && add_scaled(&t, p.minute, 60000) &&
	       add_scaled(&t, p.second, 1000) && add_scaled(&t, p.milli, 1) &&
	       !__builtin_sub_overflow(t, p.offset_ms, ms);
}
