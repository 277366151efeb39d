/* The MQTT codec's private parts shared by its files: a bounds-checked
 * reader over one packet, a writer that counts or appends, and the MQTT 5
 * property block's decoder and encoder. */
#ifndef SL_MQTT_PRIV_H
#define SL_MQTT_PRIV_H

#include <stdarg.h>

#include "mqtt_codec.h"
#include "sluice/mem.h"

/* A reader over bytes p[0..len) of a packet whose first byte is base bytes
 * before p (for error offsets). Every read checks the length first; a
 * failure formats "<what>: <message>" into err and sets *reason. */
typedef struct mqtt_rd {
	const uint8_t *p;
	size_t len, off, base;
	const char *what; /* the packet's name */
	uint8_t *reason;
	char *err;
	size_t errlen;
} mqtt_rd_t;

/* Fails with reason code reason (0x81, 0x82, ...) and a message; returns -1. */
int mqtt_rd_fail(mqtt_rd_t *r, uint8_t reason, const char *fmt, ...) SL_PRINTF(3, 4);
/* The bytes left. */
static inline size_t mqtt_rd_left(const mqtt_rd_t *r)
{
	return r->len - r->off;
}
int mqtt_rd_u8(mqtt_rd_t *r, const char *field, uint8_t *out);
int mqtt_rd_u16(mqtt_rd_t *r, const char *field, uint16_t *out);
int mqtt_rd_u32(mqtt_rd_t *r, const char *field, uint32_t *out);
/* A variable byte integer of 1-4 bytes, minimally encoded. */
int mqtt_rd_vbi(mqtt_rd_t *r, const char *field, uint32_t *out);
/* Two length bytes and that many bytes of binary data. */
int mqtt_rd_bin(mqtt_rd_t *r, const char *field, mqtt_str_t *out);
/* Binary data that must be UTF-8 without U+0000. */
int mqtt_rd_str(mqtt_rd_t *r, const char *field, mqtt_str_t *out);
/* A reader over the next n bytes (n <= mqtt_rd_left(r)), which r skips. */
mqtt_rd_t mqtt_rd_sub(mqtt_rd_t *r, size_t n);

/* A writer: appends to b, or only counts when b is NULL. Its errors say
 * "<what>: <message>". Writes cannot fail; the checked ones (strings)
 * return -1 with err set. */
typedef struct mqtt_wr {
	sl_buf_t *b;
	size_t n;
	const char *what;
	char *err;
	size_t errlen;
} mqtt_wr_t;

int mqtt_wr_fail(mqtt_wr_t *w, const char *fmt, ...) SL_PRINTF(2, 3);
void mqtt_wr_bytes(mqtt_wr_t *w, const void *p, size_t n);
void mqtt_wr_u8(mqtt_wr_t *w, uint8_t v);
void mqtt_wr_u16(mqtt_wr_t *w, uint16_t v);
void mqtt_wr_u32(mqtt_wr_t *w, uint32_t v);
void mqtt_wr_vbi(mqtt_wr_t *w, uint32_t v);
/* Binary data with its two length bytes: fails over 65,535 bytes. */
int mqtt_wr_bin(mqtt_wr_t *w, const char *field, mqtt_str_t s);
/* A UTF-8 string: also fails on bad UTF-8 or U+0000. */
int mqtt_wr_str(mqtt_wr_t *w, const char *field, mqtt_str_t s);

/* Whether s is UTF-8 without U+0000, as MQTT strings must be. */
bool mqtt_utf8_ok(const char *s, size_t len);

/* The pseudo packet type whose property rules are a CONNECT's will's. */
#define MQTT_WILL_PROPS 0

/* Reads a property block (its length, then the properties) allowed in
 * packets of type (or MQTT_WILL_PROPS) into *p. */
int mqtt_props_decode(mqtt_rd_t *r, unsigned type, mqtt_props_t *p);
/* Writes *p as a property block (its length, then the properties) for a
 * packet of type (or MQTT_WILL_PROPS); fails on a property the type does
 * not allow or a value out of its range. */
int mqtt_props_encode(mqtt_wr_t *w, unsigned type, const mqtt_props_t *p);
/* Whether p holds no property to encode. */
bool mqtt_props_empty(const mqtt_props_t *p);

/* Whether code is a reason code that packets of type may carry (MQTT 5;
 * for SUBACK in 3.1.1 see mqtt_codec.c). */
bool mqtt_reason_allowed(unsigned type, uint8_t code);

#endif
