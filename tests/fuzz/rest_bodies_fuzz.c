/* libFuzzer target of what the REST API and webhook-source make of a
 * request, without a socket: the body as the REST handlers read it
 * (sl_rest_body_json) and as a connector config in the POST /connectors
 * shape ({"name":...,"config":{...}}, read by sl_config_parse_json and
 * judged by sl_connector_config_validate, what a create or a PUT runs
 * before the worker takes it), a path segment's percent-decoding, a
 * listeners value, and webhook-source's checks of a request: its content
 * type, its signature in the three formats, its body as JSON (split when
 * an array) with the key pointer, or as text. The input is NUL-separated
 * pieces: body, path segment, content type, signature header, key
 * pointer, listener (a missing piece takes a usual value).
 *
 * The handlers' own shape checks (config_from_json and the like in
 * rest_handlers.c) are static and run only with a worker; they are not
 * reached here, nor is the webhook listener's check_body (it reads the
 * libmicrohttpd connection).
 *
 * Besides never crashing, leaking or hitting undefined behaviour, checked
 * with abort(): a body that is not JSON is answered 400 with Kafka
 * Connect's error body; a refused config and a failed validation say why;
 * a decoded segment encodes and decodes back to itself; a signature made
 * with the secret passes in every format and a refused one says why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_util.h"
#include "rest_priv.h"
#include "sluice/parse.h"
#include "webhook.h"
#include "worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	P_BODY,
	P_SEGMENT,
	P_CTYPE,
	P_SIG,
	P_KEYPTR,
	P_LISTENER,
	P_COUNT
};

static const char *const defaults[P_COUNT] = {
	[P_BODY] = "{}",
	[P_SEGMENT] = "pg%2Forders",
	[P_CTYPE] = "application/json; charset=utf-8",
	[P_SIG] = "sha256=00",
	[P_KEYPTR] = "/id",
	[P_LISTENER] = "http://0.0.0.0:8083",
};

#define SECRET "whsec_fuzz"

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "rest_bodies_fuzz: %s: %s\n", what, err);
	abort();
}

static void resp_clear(sl_rest_resp_t *resp)
{
	json_decref(resp->json);
	if (!resp->text_static)
		free(resp->text);
	free(resp->location);
}

/* The body as a REST handler reads it, then as a connector config. */
static void check_rest_body(const char *body, size_t len)
{
	sl_rest_req_t req = {.method = "POST", .body = body, .body_len = len};
	sl_rest_resp_t resp = {0};
	sl_errlist_t errs = {0};
	json_t *j = sl_rest_body_json(&req, &resp);
	sl_config_t *cfg;

	if (!j && (resp.status != 400 || !json_is_string(json_object_get(resp.json, "message")) ||
		   !json_is_integer(json_object_get(resp.json, "error_code"))))
		fail("body", "a body that does not parse is not answered 400 with an error body");
	json_decref(j);
	resp_clear(&resp);
	if (memchr(body, '\0', len))
		return; /* the config parser takes a C string */
	cfg = sl_config_parse_json(body, SL_REST_ORIGIN, &errs);
	if (!cfg && !errs.count)
		fail("config", "a refusal without a message");
	if (cfg) {
		size_t before = errs.count;
		if (sl_connector_config_validate(cfg, &errs) != 0 && errs.count == before)
			fail("validate", "a failed validation without a message");
	}
	sl_config_free(cfg);
	sl_errlist_free(&errs);
}

/* decode, encode, decode: the same text. */
static void check_segment(const char *seg)
{
	char *dec = sl_rest_decode(seg, strlen(seg)), *enc, *again;

	if (!dec)
		return;
	enc = sl_rest_encode(dec);
	again = sl_rest_decode(enc, strlen(enc));
	if (!again || strcmp(again, dec))
		fail("path segment", "decode(encode(text)) is not the text");
	free(again);
	free(enc);
	free(dec);
}

static void check_listener(const char *value)
{
	sl_rest_listener_t l;
	char why[256] = "";

	if (!sl_rest_parse_listener(value, &l, why, sizeof(why)) && !why[0])
		fail("listener", "a refusal without a message");
	if (sl_rest_parse_listener(value, &l, why, sizeof(why)) && (l.port < 0 || l.port > 65535))
		fail("listener", "a port outside 0-65535");
	sl_rest_check_listener(value, why, sizeof(why));
}

/* A signature made with the secret passes; the input's is judged. */
static void check_signatures(const char *body, size_t len, const char *sig)
{
	time_t now = 1764064800;
	char hex[65], header[160], ts[24];
	const char *why = NULL;

	for (int f = WEBHOOK_SIG_GITHUB; f <= WEBHOOK_SIG_HEX; f++) {
		why = NULL;
		if (!webhook_sig_check((webhook_sig_format_t)f, SECRET, sig, body, len, now, 300,
				       &why) &&
		    !why)
			fail("signature", "a refusal without a reason");
	}
	webhook_hmac_hex(SECRET, body, len, NULL, 0, hex);
	snprintf(header, sizeof(header), "sha256=%s", hex);
	if (!webhook_sig_check(WEBHOOK_SIG_GITHUB, SECRET, header, body, len, now, 300, &why))
		fail("a right github signature is refused", why);
	if (!webhook_sig_check(WEBHOOK_SIG_HEX, SECRET, hex, body, len, now, 300, &why))
		fail("a right hex signature is refused", why);
	snprintf(ts, sizeof(ts), "%lld.", (long long)now);
	webhook_hmac_hex(SECRET, ts, strlen(ts), body, len, hex);
	snprintf(header, sizeof(header), "t=%lld,v1=%s", (long long)now, hex);
	if (!webhook_sig_check(WEBHOOK_SIG_STRIPE, SECRET, header, body, len, now, 300, &why))
		fail("a right stripe signature is refused", why);
}

/* The body as webhook-source takes it: JSON by content type (split when
 * an array, keyed by the pointer), else text or bytes. */
static void check_webhook_body(const char *body, size_t len, const char *ctype, const char *keyptr)
{
	static const char *const allowed[] = {"application/json", "application/*+json", "text/*",
					      NULL};
	static const char *const any[] = {"*/*", NULL};
	json_t *root, *item;
	size_t i;

	webhook_media_allowed(allowed, ctype);
	webhook_media_allowed(any, ctype);
	webhook_media_is_text(ctype);
	if (!webhook_media_is_json(ctype)) {
		sl_utf8_valid(body, len);
		return;
	}
	root = json_loadb(body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!root)
		return;
	if (json_is_array(root)) {
		json_array_foreach(root, i, item)
			http_json_pointer(item, keyptr);
	} else {
		http_json_pointer(root, keyptr);
	}
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p[P_COUNT];
	size_t body_len = 0, n = 0, start = 0;
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	/* the body is the input up to the first NUL followed by 0xff, so
	 * that it may hold NUL bytes; the other pieces are NUL-separated */
	for (size_t i = 0; i + 1 < size; i++) {
		if (text[i] == '\0' && (uint8_t)text[i + 1] == 0xff) {
			body_len = i;
			break;
		}
	}
	if (!body_len && !(size >= 2 && text[0] == '\0' && (uint8_t)text[1] == 0xff))
		body_len = size;
	p[n++] = text;
	start = body_len + 2;
	for (size_t i = start; i <= size && n < P_COUNT && start <= size; i++) {
		if (i < size && text[i])
			continue;
		p[n++] = text + start;
		start = i + 1;
	}
	for (; n < P_COUNT; n++)
		p[n] = defaults[n];
	check_rest_body(p[P_BODY], body_len);
	check_segment(p[P_SEGMENT]);
	check_listener(p[P_LISTENER]);
	check_signatures(p[P_BODY], body_len, p[P_SIG]);
	check_webhook_body(p[P_BODY], body_len, p[P_CTYPE], p[P_KEYPTR]);
	free(text);
	return 0;
}
