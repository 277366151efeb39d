/* mqtt-source's templates over an MQTT topic: kafka.topic and kafka.key,
 * with ${mqtt.topic} (the whole topic) and ${mqtt.topic[N]} (level N,
 * from 0) between literal text. */
#ifndef SL_MQTT_TEMPLATE_H
#define SL_MQTT_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "mqtt_codec.h"
#include "sluice/buf.h"

typedef struct mqtt_template_seg {
	char *text; /* a literal (malloc()ed), or NULL for a placeholder */
	int level;  /* the placeholder's level, -1 for the whole topic */
} mqtt_template_seg_t;

typedef struct mqtt_template {
	mqtt_template_seg_t *segs;
	size_t count; /* 0: the empty template */
} mqtt_template_t;

/* Parses text into t (zeroed or freed before). Returns 0, or -1 with err
 * naming the problem (an unknown placeholder, a bad level, no closing
 * brace); t is then empty. */
int mqtt_template_parse(mqtt_template_t *t, const char *text, char *err, size_t errlen);
/* Appends t for the MQTT topic to out. kafka: the result is a Kafka topic
 * name: ${mqtt.topic}'s '/' become '.', and every character a topic name
 * cannot hold ([a-zA-Z0-9._-] only) becomes '_'; over 249 characters or
 * empty is an error. Returns 0, or -1 with err (a level the topic does not
 * have). */
int mqtt_template_render(const mqtt_template_t *t, mqtt_str_t topic, bool kafka, sl_buf_t *out,
			 char *err, size_t errlen);
void mqtt_template_free(mqtt_template_t *t);

#endif
