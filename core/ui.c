/* The status page served at /ui: the bytes of core/ui/status.html, which
 * CMake turns into generated/ui_page.c at build time. */
#include "ui.h"

/* Defined in the generated file: the page followed by a NUL that
 * sl_ui_page_size does not count. */
extern const unsigned char sl_ui_page_bytes[];
extern const size_t sl_ui_page_size;

const char *sl_ui_page(size_t *len)
{
	*len = sl_ui_page_size;
	return (const char *)sl_ui_page_bytes;
}
