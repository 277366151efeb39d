/* Helpers shared by the converters (convert.c), the Jackson-compatible
 * JSON writer (json_write.c) and the transforms (core/transforms/), and no
 * one else. */
#ifndef SL_CONVERT_PRIV_H
#define SL_CONVERT_PRIV_H

#include "convert.h"

/* Room for any number sl_format_double/sl_format_float write, with NUL. */
#define SL_NUMBER_BUF_SIZE 32

/* Appends s (len bytes of UTF-8) as a quoted JSON string with Jackson's
 * escapes. Bytes that are not valid UTF-8 become U+FFFD, one per maximal
 * invalid subpart, as Java's UTF-8 decoder does. */
void sl_json_write_string(sl_buf_t *out, const char *s, size_t len);

/* sl_json_write with the converter's options (json may be NULL: a null
 * payload, written as its schema's default or null): decimal_numeric writes
 * Decimal payloads (base64 strings under a Decimal schema) as JSON numbers
 * in BigDecimal.toString form. Returns 0, or -1 with errstr when a Decimal
 * payload cannot be decoded; out then holds a partial write the caller
 * must discard. */
int sl_json_write_payload(sl_buf_t *out, const json_t *json, const json_t *schema,
			  bool decimal_numeric, char *errstr, size_t errstr_size);
/* The payload of FIELDS value v under its schema, as the JSON form of it
 * (sl_value_payload) would be written. */
int sl_json_write_fields(sl_buf_t *out, const sl_value_t *v, bool decimal_numeric, char *errstr,
			 size_t errstr_size);

/* Java's Double.toString / Float.toString of v into buf (at least
 * SL_NUMBER_BUF_SIZE bytes): the shortest digits that read back as v,
 * plain when 1e-3 <= |v| < 1e7 ("100.0", "0.001"), else computerised
 * scientific ("1.0E7", "1.234E-4"); "NaN", "Infinity", "-Infinity".
 * Returns the length written. */
size_t sl_format_double(double v, char *buf);
size_t sl_format_float(float v, char *buf);

#endif
