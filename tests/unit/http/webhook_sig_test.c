/* Unit tests of webhook-source's pure checks (connectors/http/webhook_sig.c):
 * HMAC-SHA256 signatures against published and independently computed
 * vectors, media types against the allowed list, UTF-8. */
#include <string.h>

#include "runner.h"
#include "webhook.h"

/* RFC 4231 test case 2 and GitHub's documented example. */
static void test_hmac_matches_published_vectors(void)
{
	const char *data = "what do ya want for nothing?";
	char hex[65];

	webhook_hmac_hex("Jefe", NULL, 0, data, strlen(data), hex);
	SL_ASSERT_TEXT(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	webhook_hmac_hex("Jefe", "what do ya ", 11, data + 11, strlen(data) - 11, hex);
	SL_ASSERT_TEXT(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	webhook_hmac_hex("It's a Secret to Everybody", NULL, 0, "Hello, World!", 13, hex);
	SL_ASSERT_TEXT(hex, "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

static void test_github_format_needs_sha256_prefix_and_the_right_digest(void)
{
	const char *secret = "It's a Secret to Everybody", *body = "Hello, World!";
	const char *why = NULL;

	CU_ASSERT(webhook_sig_check(
		WEBHOOK_SIG_GITHUB, secret,
		"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", body, 13,
		0, 0, &why));
	CU_ASSERT(webhook_sig_check(/* hex digits in either case */
				    WEBHOOK_SIG_GITHUB, secret,
				    "sha256="
				    "757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E"
				    "17",
				    body, 13, 0, 0, &why));
	CU_ASSERT_FALSE(webhook_sig_check(
		WEBHOOK_SIG_GITHUB, secret,
		"757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", body, 13, 0, 0,
		&why));
	SL_ASSERT_CONTAINS(why, "sha256=");
	CU_ASSERT_FALSE(webhook_sig_check(
		WEBHOOK_SIG_GITHUB, secret,
		"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18", body, 13,
		0, 0, &why));
	SL_ASSERT_TEXT(why, "the signature does not match");
	CU_ASSERT_FALSE(webhook_sig_check(
		WEBHOOK_SIG_GITHUB, secret,
		"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1", body, 13,
		0, 0, &why)); /* one digit short */
	CU_ASSERT_FALSE(webhook_sig_check(
		WEBHOOK_SIG_GITHUB, "other",
		"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", body, 13,
		0, 0, &why));
	CU_ASSERT_FALSE(webhook_sig_check(WEBHOOK_SIG_GITHUB, secret, NULL, body, 13, 0, 0, &why));
	SL_ASSERT_CONTAINS(why, "missing");
}

/* Stripe signs "<t>.<body>"; the vector was computed with Python's hmac. */
static void test_stripe_format_signs_timestamp_dot_body_within_tolerance(void)
{
	const char *body = "{\"id\":\"evt_1\"}", *why = NULL;
	const char *good = "t=1700000000,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f"
			   "3942d632925";
	const char *two = "t=1700000000, v1=00, v0=ff,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022b"
			  "d80ccc78230f3942d632925";

	CU_ASSERT(webhook_sig_check(WEBHOOK_SIG_STRIPE, "whsec_test", good, body, strlen(body),
				    1700000100, 300, &why));
	CU_ASSERT(webhook_sig_check(WEBHOOK_SIG_STRIPE, "whsec_test", two, body, strlen(body),
				    1700000100, 300, &why));
	CU_ASSERT_FALSE(webhook_sig_check(WEBHOOK_SIG_STRIPE, "whsec_test", good, body,
					  strlen(body), 1700000301, 300, &why));
	SL_ASSERT_CONTAINS(why, "tolerance");
	CU_ASSERT_FALSE(webhook_sig_check(WEBHOOK_SIG_STRIPE, "whsec_test", good, body,
					  strlen(body), 1699999699, 300, &why));
	CU_ASSERT(webhook_sig_check(WEBHOOK_SIG_STRIPE, "whsec_test", good, body, strlen(body),
				    1800000000, 0, &why)); /* 0: no replay check */
	CU_ASSERT_FALSE(webhook_sig_check(WEBHOOK_SIG_STRIPE, "whsec_test",
					  "t=1700000001,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022"
					  "bd80ccc78230f3942d632925",
					  body, strlen(body), 1700000100, 300, &why));
	SL_ASSERT_TEXT(why, "the signature does not match");
	CU_ASSERT_FALSE(
		webhook_sig_check(WEBHOOK_SIG_STRIPE, "whsec_test",
				  "v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3"
				  "942d632925",
				  body, strlen(body), 1700000100, 300, &why));
	SL_ASSERT_CONTAINS(why, "timestamp");
	CU_ASSERT_FALSE(webhook_sig_check(WEBHOOK_SIG_STRIPE, "whsec_test", "t=1700000000", body,
					  strlen(body), 1700000100, 300, &why));
	SL_ASSERT_CONTAINS(why, "v1");
}

static void test_hex_format_is_the_bare_digest(void)
{
	const char *why = NULL, *data = "what do ya want for nothing?";

	CU_ASSERT(webhook_sig_check(
		WEBHOOK_SIG_HEX, "Jefe",
		"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", data,
		strlen(data), 0, 0, &why));
	CU_ASSERT_FALSE(webhook_sig_check(
		WEBHOOK_SIG_HEX, "Jefe",
		"sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", data,
		strlen(data), 0, 0, &why));
}

static void test_media_types_match_exact_wildcard_and_suffix_patterns(void)
{
	static const char *const def[] = {"application/json", "application/*+json", "text/plain",
					  NULL};
	static const char *const any[] = {"*/*", NULL};
	static const char *const text[] = {"text/*", NULL};

	CU_ASSERT(webhook_media_allowed(def, "application/json"));
	CU_ASSERT(webhook_media_allowed(def, "Application/JSON; charset=utf-8"));
	CU_ASSERT(webhook_media_allowed(def, "application/vnd.github+json"));
	CU_ASSERT(webhook_media_allowed(def, "text/plain;charset=us-ascii"));
	CU_ASSERT_FALSE(webhook_media_allowed(def, "text/html"));
	CU_ASSERT_FALSE(webhook_media_allowed(def, "application/xml"));
	CU_ASSERT_FALSE(webhook_media_allowed(def, "application/+json"));
	CU_ASSERT_FALSE(webhook_media_allowed(def, NULL)); /* application/octet-stream */
	CU_ASSERT_FALSE(webhook_media_allowed(def, "json"));
	CU_ASSERT(webhook_media_allowed(any, NULL));
	CU_ASSERT(webhook_media_allowed(any, "image/png"));
	CU_ASSERT(webhook_media_allowed(text, "text/csv"));
	CU_ASSERT_FALSE(webhook_media_allowed(text, "textual/csv"));
	CU_ASSERT(webhook_media_is_json("application/cloudevents+json; charset=utf-8"));
	CU_ASSERT(webhook_media_is_json("application/json"));
	CU_ASSERT_FALSE(webhook_media_is_json("application/jsonl"));
	CU_ASSERT_FALSE(webhook_media_is_json(NULL));
	CU_ASSERT(webhook_media_is_text("text/plain"));
	CU_ASSERT_FALSE(webhook_media_is_text("application/json"));
}

void webhook_sig_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"hmac_matches_published_vectors", test_hmac_matches_published_vectors},
		{"github_format_needs_sha256_prefix_and_the_right_digest",
		 test_github_format_needs_sha256_prefix_and_the_right_digest},
		{"stripe_format_signs_timestamp_dot_body_within_tolerance",
		 test_stripe_format_signs_timestamp_dot_body_within_tolerance},
		{"hex_format_is_the_bare_digest", test_hex_format_is_the_bare_digest},
		{"media_types_match_exact_wildcard_and_suffix_patterns",
		 test_media_types_match_exact_wildcard_and_suffix_patterns},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("webhook_sig", NULL, NULL, tests);
}
