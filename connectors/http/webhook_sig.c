/* Pure checks of webhook-source: HMAC-SHA256 signatures in the GitHub,
 * Stripe and plain hex formats (constant-time compare), media types
 * against the allowed list. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "webhook.h"

#define SIG_LEN 32 /* bytes of an HMAC-SHA256 */

/* ---- media types ---------------------------------------------------------- */

/* The media type of a Content-Type value, lower case, without parameters
 * and blanks, into out; "application/octet-stream" when there is none. */
static void media_type(const char *ct, char *out, size_t size)
{
	size_t n = 0;

	if (!ct || !*ct)
		ct = "application/octet-stream";
	for (; *ct && *ct != ';' && n + 1 < size; ct++)
		if (!isspace((unsigned char)*ct))
			out[n++] = (char)tolower((unsigned char)*ct);
	out[n] = '\0';
}

/* Whether media type mt matches one pattern of webhook.content.types. */
static bool media_match(const char *pattern, const char *mt)
{
	const char *slash = strchr(pattern, '/');
	const char *mslash = strchr(mt, '/');
	size_t tlen;

	if (!strcmp(pattern, "*/*"))
		return true;
	if (!slash || !mslash)
		return !strcasecmp(pattern, mt);
	tlen = (size_t)(slash - pattern);
	if (tlen != (size_t)(mslash - mt) || strncasecmp(pattern, mt, tlen))
		return false;
	if (!strcmp(slash, "/*"))
		return true;
	if (!strncmp(slash, "/*+", 3)) { /* "application/ *+json" (no blank) */
		size_t sl = strlen(slash + 2), ml = strlen(mslash);
		return ml > sl + 1 && !strcasecmp(mslash + ml - sl, slash + 2);
	}
	return !strcasecmp(slash, mslash);
}

bool webhook_media_allowed(const char *const *allowed, const char *content_type)
{
	char mt[128];

	media_type(content_type, mt, sizeof(mt));
	for (const char *const *p = allowed; p && *p; p++)
		if (media_match(*p, mt))
			return true;
	return false;
}

bool webhook_media_is_json(const char *content_type)
{
	char mt[128];
	size_t n;

	media_type(content_type, mt, sizeof(mt));
	n = strlen(mt);
	return !strcmp(mt, "application/json") || (n > 5 && !strcmp(mt + n - 5, "+json"));
}

bool webhook_media_is_text(const char *content_type)
{
	char mt[128];

	media_type(content_type, mt, sizeof(mt));
	return !strncmp(mt, "text/", 5);
}

/* ---- signatures ------------------------------------------------------------ */

/* The HMAC-SHA256 of a then b under secret into out. */
static void hmac2(const char *secret, const void *a, size_t alen, const void *b, size_t blen,
		  unsigned char out[SIG_LEN])
{
	unsigned char *msg = sl_malloc(alen + blen + 1);
	unsigned int outlen = SIG_LEN;

	if (alen)
		memcpy(msg, a, alen);
	if (blen)
		memcpy(msg + alen, b, blen);
	HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, alen + blen, out, &outlen);
	free(msg);
}

void webhook_hmac_hex(const char *secret, const void *a, size_t alen, const void *b, size_t blen,
		      char out[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char mac[SIG_LEN];

	hmac2(secret, a, alen, b, blen, mac);
	for (size_t i = 0; i < SIG_LEN; i++) {
		out[2 * i] = digits[mac[i] >> 4];
		out[2 * i + 1] = digits[mac[i] & 15];
	}
	out[64] = '\0';
}

/* Decodes exactly 64 hex digits (either case) at hex (n bytes) into out. */
static bool hex_decode(const char *hex, size_t n, unsigned char out[SIG_LEN])
{
	if (n != 2 * SIG_LEN)
		return false;
	for (size_t i = 0; i < SIG_LEN; i++) {
		int hi = sl_hex_digit(hex[2 * i]), lo = sl_hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

/* Whether hex (n bytes) is the signature of a + b. */
static bool hex_matches(const char *secret, const char *hex, size_t n, const void *a, size_t alen,
			const void *b, size_t blen)
{
	unsigned char want[SIG_LEN], got[SIG_LEN];

	if (!hex_decode(hex, n, got))
		return false;
	hmac2(secret, a, alen, b, blen, want);
	return CRYPTO_memcmp(want, got, SIG_LEN) == 0;
}

/* Stripe: "t=<ts>,v1=<hex>[,v1=<hex>][,v0=...]"; any v1 may match. */
static bool stripe_check(const char *secret, const char *sig, const void *body, size_t len,
			 time_t now, int64_t tolerance_s, const char **why)
{
	const char *p = sig, *ts = NULL;
	size_t tslen = 0;
	bool match = false, any = false;
	int64_t t;
	char tsbuf[24];

	for (p = sig; *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n && isspace((unsigned char)*p))
			p++, n--;
		if (n > 2 && !strncmp(p, "t=", 2) && !ts)
			ts = p + 2, tslen = n - 2;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!ts || tslen >= sizeof(tsbuf)) {
		*why = "the signature has no timestamp (t=)";
		return false;
	}
	memcpy(tsbuf, ts, tslen);
	tsbuf[tslen] = '\0';
	if (sl_parse_int64(tsbuf, &t) != 0) {
		*why = "the signature's timestamp is not a number";
		return false;
	}
	sl_strlcpy(tsbuf + tslen, ".", sizeof(tsbuf) - tslen);
	for (p = sig; *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n && isspace((unsigned char)*p))
			p++, n--;
		if (n > 3 && !strncmp(p, "v1=", 3)) {
			any = true;
			match |= hex_matches(secret, p + 3, n - 3, tsbuf, tslen + 1, body, len);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (!match) {
		*why = any ? "the signature does not match" : "the signature has no v1 value";
		return false;
	}
	if (tolerance_s > 0 && (t < (int64_t)now - tolerance_s || t > (int64_t)now + tolerance_s)) {
		*why = "the signature's timestamp is outside webhook.signature.tolerance.seconds";
		return false;
	}
	return true;
}

bool webhook_sig_check(webhook_sig_format_t fmt, const char *secret, const char *sig,
		       const void *body, size_t len, time_t now, int64_t tolerance_s,
		       const char **why)
{
	*why = "the signature does not match";
	if (!sig || !*sig) {
		*why = "the signature header is missing";
		return false;
	}
	switch (fmt) {
	case WEBHOOK_SIG_GITHUB:
		if (strncmp(sig, "sha256=", 7)) {
			*why = "the signature does not start with sha256=";
			return false;
		}
		return hex_matches(secret, sig + 7, strlen(sig + 7), NULL, 0, body, len);
	case WEBHOOK_SIG_STRIPE:
		return stripe_check(secret, sig, body, len, now, tolerance_s, why);
	case WEBHOOK_SIG_HEX:
	default:
		return hex_matches(secret, sig, strlen(sig), NULL, 0, body, len);
	}
}
