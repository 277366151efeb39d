/* Config checks, name lists and Java conversions shared by the transforms. */
#include "tx_util.h"

#include <math.h>
#include <string.h>

#include "sluice/buf.h"

bool sl_txu_spelt_exactly(const sl_config_t *cfg, const char *key, const char *const *values,
			  sl_errlist_t *errs)
{
	const char *v = sl_config_get(cfg, key);
	if (!v)
		return true;
	for (size_t i = 0; values[i]; i++)
		if (!strcmp(v, values[i]))
			return true;
	sl_buf_t list = {0};
	for (size_t i = 0; values[i]; i++)
		sl_buf_appendf(&list, "%s%s", i ? ", " : "", values[i]);
	sl_errlist_addf(errs,
			"%s: Invalid value %s for configuration %s: String must be one of: %s", key,
			v, key, list.data);
	sl_buf_free(&list);
	return false;
}

bool sl_txu_is_blank(const char *s)
{
	return !s || !s[strspn(s, " \t\r\n\f\v")];
}

bool sl_txu_in_list(char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

int64_t sl_txu_d2l(double d)
{
	if (isnan(d))
		return 0;
	if (d >= 9223372036854775807.0)
		return INT64_MAX;
	if (d <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)d;
}

int32_t sl_txu_d2i(double d)
{
	if (isnan(d))
		return 0;
	if (d >= 2147483647.0)
		return INT32_MAX;
	if (d <= -2147483648.0)
		return INT32_MIN;
	return (int32_t)d;
}
