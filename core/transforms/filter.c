/* Filter: drops every record it is applied to. Used with a predicate
 * (transforms.<a>.predicate), it drops the records the predicate matches
 * (or, negated, those it does not). */
#include "defs.h"

static const sl_option_t filter_options[] = {
	SL_OPT_END,
};

/* No state: a non-NULL pointer that create can return. */
static char filter_state;

static void *filter_create(const sl_config_t *cfg, sl_tx_part_t part, sl_errlist_t *errs)
{
	return &filter_state;
}

static sl_tx_result_t filter_apply(void *state, sl_record_t *r, sl_tx_ctx_t *cx, char *err,
				   size_t err_size)
{
	return SL_TX_DROP;
}

static void filter_destroy(void *state)
{
}

static const char *const filter_classes[] = {"org.apache.kafka.connect.transforms.Filter", NULL};

const sl_transform_def_t sl_tx_filter = {
	.name = "Filter",
	.classes = filter_classes,
	.variants = false,
	.options = filter_options,
	.doc = "Drops all records, filtering them from subsequent transformations in the chain. "
	       "This is intended to be used conditionally to filter out records matching (or not "
	       "matching) a particular predicate.",
	.create = filter_create,
	.takes_fields = true, /* reads neither key nor value */
	.apply = filter_apply,
	.destroy = filter_destroy,
};
