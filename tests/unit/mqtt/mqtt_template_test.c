/* Unit tests of mqtt-source's templates over the MQTT topic
 * (connectors/mqtt/mqtt_template.c): levels, Kafka topic names, errors. */
#include <stdlib.h>
#include <string.h>

#include "mqtt_template.h"
#include "runner.h"
#include "sluice/util.h"

/* Renders tmpl for topic; the result (malloc()ed) or NULL with err. */
static char *render(const char *tmpl, const char *topic, bool kafka, char *err, size_t errlen)
{
	mqtt_template_t t;
	sl_buf_t out = {0};
	if (mqtt_template_parse(&t, tmpl, err, errlen) != 0)
		return NULL;
	int rc = mqtt_template_render(&t, mqtt_str(topic), kafka, &out, err, errlen);
	mqtt_template_free(&t);
	if (rc != 0) {
		sl_buf_free(&out);
		return NULL;
	}
	sl_buf_append(&out, "", 0);
	return out.data ? sl_buf_steal(&out) : sl_strdup("");
}

static void expect(const char *tmpl, const char *topic, bool kafka, const char *want)
{
	char err[256] = "";
	char *got = render(tmpl, topic, kafka, err, sizeof(err));
	if (!got || strcmp(got, want))
		fprintf(stderr, "\n    %s on %s: got '%s' (%s), want '%s'\n", tmpl, topic,
			got ? got : "(null)", err, want);
	SL_ASSERT_TEXT(got, want);
	free(got);
}

static void test_levels_and_whole_topic(void)
{
	expect("sensors.${mqtt.topic[1]}", "site/dev7/temp", true, "sensors.dev7");
	expect("${mqtt.topic[0]}-${mqtt.topic[2]}", "site/dev7/temp", true, "site-temp");
	expect("${mqtt.topic}", "site/dev7/temp", true, "site.dev7.temp");
	expect("${mqtt.topic}", "site/dev7/temp", false, "site/dev7/temp");
	expect("k:${mqtt.topic[1]}", "a//b", false, "k:");
	expect("fixed", "any/thing", true, "fixed");
	expect("", "any", false, "");
}

static void test_kafka_names_are_made_legal(void)
{
	expect("${mqtt.topic}", "bâtiment 1/temp", true, "b__timent_1.temp");
	expect("x.${mqtt.topic[0]}", "$SYS", true, "x._SYS");
}

static void test_errors_name_the_problem(void)
{
	char err[256] = "";
	CU_ASSERT_PTR_NULL(render("${mqtt.topic[3]}", "a/b", true, err, sizeof(err)));
	SL_ASSERT_CONTAINS(err, "no level 3");
	CU_ASSERT_PTR_NULL(render("${mqtt.topic", "a", true, err, sizeof(err)));
	SL_ASSERT_CONTAINS(err, "without '}'");
	CU_ASSERT_PTR_NULL(render("${topic}", "a", true, err, sizeof(err)));
	SL_ASSERT_CONTAINS(err, "unknown placeholder '${topic}'");
	CU_ASSERT_PTR_NULL(render("${mqtt.topic[-1]}", "a", true, err, sizeof(err)));
	SL_ASSERT_CONTAINS(err, "bad level");
	CU_ASSERT_PTR_NULL(render("${mqtt.topic[x]}", "a", true, err, sizeof(err)));
	CU_ASSERT_PTR_NULL(render("${mqtt.topic[0]}", "/a", true, err, sizeof(err)));
	SL_ASSERT_CONTAINS(err, "not a Kafka topic name");
	char *big = malloc(300);
	memset(big, 'a', 299);
	big[299] = '\0';
	CU_ASSERT_PTR_NULL(render("${mqtt.topic}", big, true, err, sizeof(err)));
	free(big);
}

void mqtt_template_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"levels and whole topic", test_levels_and_whole_topic},
		{"kafka names are made legal", test_kafka_names_are_made_legal},
		{"errors name the problem", test_errors_name_the_problem},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("mqtt_template", NULL, NULL, tests);
}
