/* Descriptions of connectors and their options, generated from the option
 * tables: the text of `sluice plugins --describe` and the option sections of
 * docs/connectors/ pages. */
#ifndef SL_DESCRIBE_H
#define SL_DESCRIBE_H

#include <stdio.h>

#include "sluice/connector.h"

/* Plain text: the connector, its own options, then the common ones. */
void sl_describe_text(FILE *out, const sl_connector_t *p);
/* Markdown tables of the same, as docs/connectors/ embeds them. */
void sl_describe_markdown(FILE *out, const sl_connector_t *p);
/* Markdown table of one option table (used for the worker options too). */
void sl_describe_markdown_table(FILE *out, const sl_option_t *table);

#endif
