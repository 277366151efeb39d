/* Helpers shared by the converters (convert.c), the Jackson-compatible
 * JSON writer (json_write.c) and the transforms (core/transforms/), and no
 * one else. */
#ifndef SL_CONVERT_PRIV_H
#define SL_CONVERT_PRIV_H

#include "convert.h"
#include "sluice/data.h"

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

#endif
