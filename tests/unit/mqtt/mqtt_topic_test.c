/* Unit tests of the MQTT topic helpers (connectors/mqtt/mqtt_topic.c):
 * topic name and filter validity, shared subscriptions, and matching as
 * the MQTT specification's examples (4.7) say. */
#include <stdio.h>

#include "mqtt_codec.h"
#include "runner.h"
#include "sluice/util.h"

static void test_topic_filter_validity(void)
{
	const char *good[] = {"a",      "a/b",           "+",          "#",
			      "a/+/c",  "a/#",           "+/+",        "/",
			      "$SYS/#", "$share/g/a/+",  "$share/g/#", "a//b",
			      "$share", "$share/g/a/b/#"};
	const char *bad[] = {"",           "a+",          "a/b#",       "#/a",       "a/#/b",
			     "+a",         "$share/",     "$share/g",   "$share//a", "$share/g/",
			     "$share/+/a", "$share/g#/a", "$share/g/a#"};
	char err[128];

	for (size_t i = 0; i < SL_ARRAY_LEN(good); i++) {
		err[0] = '\0';
		if (!mqtt_filter_valid(mqtt_str(good[i]), err, sizeof(err)))
			fprintf(stderr, "\n    '%s': %s\n", good[i], err);
		CU_ASSERT_TRUE(mqtt_filter_valid(mqtt_str(good[i]), err, sizeof(err)));
	}
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		if (mqtt_filter_valid(mqtt_str(bad[i]), err, sizeof(err)))
			fprintf(stderr, "\n    '%s' is valid\n", bad[i]);
		CU_ASSERT_FALSE(mqtt_filter_valid(mqtt_str(bad[i]), err, sizeof(err)));
		CU_ASSERT(err[0] != '\0');
	}
	CU_ASSERT_FALSE(mqtt_filter_valid(mqtt_str("$share/g"), err, sizeof(err)));
	SL_ASSERT_TEXT(err, "shared subscription has no filter after its group");
	CU_ASSERT_FALSE(mqtt_filter_valid((mqtt_str_t){"a\0b", 3}, err, sizeof(err)));
	SL_ASSERT_TEXT(err, "topic filter is not UTF-8 without U+0000");
	CU_ASSERT_TRUE(mqtt_topic_valid(mqtt_str("$SYS/x"), NULL, 0));
	CU_ASSERT_FALSE(mqtt_topic_valid(mqtt_str("a/#"), NULL, 0));
	CU_ASSERT_FALSE(mqtt_topic_valid(mqtt_str(NULL), err, sizeof(err)));
	SL_ASSERT_TEXT(err, "topic name is empty");
}

static void test_topic_matching_follows_the_spec(void)
{
	static const struct {
		const char *filter, *topic;
		bool match;
	} cases[] = {
		/* spec 4.7.1.2: multi-level wildcard */
		{"sport/tennis/player1/#", "sport/tennis/player1", true},
		{"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
		{"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
		{"sport/#", "sport", true},
		{"#", "a/b/c", true},
		{"#", "/", true},
		/* spec 4.7.1.3: single-level wildcard */
		{"sport/tennis/+", "sport/tennis/player1", true},
		{"sport/tennis/+", "sport/tennis/player1/ranking", false},
		{"sport/+", "sport", false},
		{"sport/+", "sport/", true},
		{"+/+", "/finance", true},
		{"/+", "/finance", true},
		{"+", "/finance", false},
		{"+/tennis/#", "sport/tennis", true},
		{"a/+/c", "a//c", true},
		/* spec 4.7.2: $ topics and wildcards at the first level */
		{"#", "$SYS/broker", false},
		{"+/monitor/Clients", "$SYS/monitor/Clients", false},
		{"$SYS/#", "$SYS/monitor/Clients", true},
		{"$SYS/monitor/+", "$SYS/monitor/Clients", true},
		/* exact, case-sensitive, no partial levels */
		{"a/b", "a/b", true},
		{"a/b", "A/b", false},
		{"a/b", "a/bc", false},
		{"a/bc", "a/b", false},
		{"a/b", "a/b/", false},
		{"a/b/#", "a/bc", false},
		/* shared subscriptions: the group is not part of the filter */
		{"$share/g/sport/#", "sport/tennis", true},
		{"$share/g/+", "x", true},
		{"$share/g/a", "g/a", false},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		bool got = mqtt_topic_matches(mqtt_str(cases[i].filter), mqtt_str(cases[i].topic));
		if (got != cases[i].match)
			fprintf(stderr, "\n    '%s' vs '%s': %d\n", cases[i].filter, cases[i].topic,
				got);
		CU_ASSERT_EQUAL(got, cases[i].match);
	}
}

void mqtt_topic_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"topic filter validity", test_topic_filter_validity},
		{"topic matching follows the spec", test_topic_matching_follows_the_spec},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("mqtt_topic", NULL, NULL, tests);
}
