/* Templates over an MQTT topic (see mqtt_template.h). */
#include "mqtt_template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/array.h"
#include "sluice/util.h"

static void add_seg(mqtt_template_t *t, size_t *cap, char *text, int level)
{
	SL_ARRAY_RESERVE(t->segs, t->count + 1, *cap);
	t->segs[t->count++] = (mqtt_template_seg_t){.text = text, .level = level};
}

int mqtt_template_parse(mqtt_template_t *t, const char *text, char *err, size_t errlen)
{
	size_t cap = 0;
	memset(t, 0, sizeof(*t));
	for (const char *p = text; *p;) {
		const char *open = strstr(p, "${");
		if (open != p) {
			size_t n = open ? (size_t)(open - p) : strlen(p);
			add_seg(t, &cap, sl_strndup(p, n), 0);
			p += n;
			continue;
		}
		const char *close = strchr(open, '}');
		if (!close) {
			snprintf(err, errlen, "'${' without '}' in '%s'", text);
			goto bad;
		}
		const char *name = open + 2;
		size_t n = (size_t)(close - name);
		int level = -1;
		if (n == 10 && !strncmp(name, "mqtt.topic", 10)) {
			level = -1;
		} else if (n > 12 && !strncmp(name, "mqtt.topic[", 11) && name[n - 1] == ']') {
			char *end;
			long v = strtol(name + 11, &end, 10);
			if (end != name + n - 1 || v < 0 || v > 1000 || name[11] == '-' ||
			    name[11] == '+') {
				snprintf(err, errlen, "bad level in '${%.*s}'", (int)n, name);
				goto bad;
			}
			level = (int)v;
		} else {
			snprintf(err, errlen,
				 "unknown placeholder '${%.*s}' (known: ${mqtt.topic}, "
				 "${mqtt.topic[N]})",
				 (int)n, name);
			goto bad;
		}
		add_seg(t, &cap, NULL, level);
		p = close + 1;
	}
	return 0;
bad:
	mqtt_template_free(t);
	return -1;
}

/* Level n of topic as a view; false when it has fewer levels. */
static bool topic_level(mqtt_str_t topic, int n, mqtt_str_t *out)
{
	const char *p = topic.ptr, *end = topic.ptr + topic.len;
	for (int i = 0; i < n; i++) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		if (!slash)
			return false;
		p = slash + 1;
	}
	const char *slash = memchr(p, '/', (size_t)(end - p));
	*out = (mqtt_str_t){p, (size_t)((slash ? slash : end) - p)};
	return true;
}

static bool kafka_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int mqtt_template_render(const mqtt_template_t *t, mqtt_str_t topic, bool kafka, sl_buf_t *out,
			 char *err, size_t errlen)
{
	size_t start = out->len;
	for (size_t i = 0; i < t->count; i++) {
		const mqtt_template_seg_t *s = &t->segs[i];
		if (s->text) {
			sl_buf_append_str(out, s->text);
			continue;
		}
		mqtt_str_t part = topic;
		if (s->level >= 0 && !topic_level(topic, s->level, &part)) {
			snprintf(err, errlen, "the topic has no level %d for ${mqtt.topic[%d]}",
				 s->level, s->level);
			out->len = start;
			return -1;
		}
		size_t at = out->len;
		sl_buf_append(out, part.ptr, part.len);
		if (kafka)
			for (size_t k = at; k < out->len; k++)
				if (out->data[k] == '/')
					out->data[k] = '.';
	}
	if (!kafka)
		return 0;
	for (size_t k = start; k < out->len; k++)
		if (!kafka_char(out->data[k]))
			out->data[k] = '_';
	size_t n = out->len - start;
	if (n == 0 || n > 249 || (n == 1 && out->data[start] == '.') ||
	    (n == 2 && !memcmp(out->data + start, "..", 2))) {
		snprintf(err, errlen, "'%.*s' is not a Kafka topic name (1 to 249 characters)",
			 (int)(n > 60 ? 60 : n), out->data + start);
		out->len = start;
		return -1;
	}
	return 0;
}

void mqtt_template_free(mqtt_template_t *t)
{
	for (size_t i = 0; i < t->count; i++)
		free(t->segs[i].text);
	free(t->segs);
	memset(t, 0, sizeof(*t));
}
