/* The worker's status page, served by the REST API at /ui. */
#ifndef SL_UI_H
#define SL_UI_H

#include <stddef.h>

/* The page (static storage, NUL-terminated; never freed) and its length
 * in bytes in *len. One self-contained HTML document: it loads nothing but
 * the REST API and /metrics of the worker that served it. */
const char *sl_ui_page(size_t *len);

#endif
