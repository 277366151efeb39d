/* `sluice transform`: a connector's transform chain applied to records read
 * as JSON lines, the way the tasks apply it (each key and value through the
 * converters' to_value as a sink task reads it, the chain, then from_value
 * as a source task writes it), to try a chain out and to compare it with
 * Kafka Connect's record by record.
 *
 * Input, one record a line:
 *   {"topic":"t","partition":0,"offset":0,"timestamp":1700000000000,
 *    "key":"<text or null>","value":"<text or null>",
 *    "headers":[{"key":"h","value":"<text or null>"}]}
 * Output, one line for each: the record after the chain, compact, keys in
 * this order, strings escaped as Jackson writes them:
 *   {"topic":"t","partition":0,"timestamp":1700000000000,"key":...,
 *    "value":...,"headers":[...]}
 * or {"dropped":true}, or {"error":"<reason>"}. */
#ifndef SL_TRANSFORM_CLI_H
#define SL_TRANSFORM_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "sluice/config.h"
#include "sluice/errlist.h"
#include "sluice/util.h"

typedef struct sl_transform_cli sl_transform_cli_t;

/* Builds the chain of connector's transforms and predicates keys and its
 * key and value converters; a converter the connector does not name is
 * the worker's (worker may be NULL: json), with the X.converter.* keys of
 * the config that named it, as a task does. NULL with every problem added
 * to errs. */
sl_transform_cli_t *sl_transform_cli_new(const sl_config_t *connector, const sl_config_t *worker,
					 sl_errlist_t *errs);

/* Runs one input line (len bytes, without its newline) and appends the
 * output line, without a newline, to out. A line that is not a record
 * gives {"error":...} like a record the chain refuses. */
void sl_transform_cli_line(sl_transform_cli_t *cli, const char *line, size_t len, sl_buf_t *out);

void sl_transform_cli_free(sl_transform_cli_t *cli);

/* The docs block of one transform or predicate, by its simple name
 * ("InsertField", "TopicNameMatches"): the type values that name it, its
 * doc and its options as a Markdown table (docs/transforms.md embeds it
 * through `sluice plugins --markdown-transform NAME`). -1 when sluice has
 * no transform or predicate of that name. */
int sl_transform_cli_markdown(FILE *out, const char *name);

/* The command itself: argv[0] is "transform", then -c CONNECTOR_FILE
 * [-w WORKER_FILE]; reads stdin to its end. Returns the exit status: 0,
 * 1 when a file or the config is bad (the errors on stderr), 2 on a usage
 * error. */
int sl_transform_cli_main(int argc, char **argv);

#endif
