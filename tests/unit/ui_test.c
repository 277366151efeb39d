/* Unit tests of the status page's embedding: the binary serves exactly
 * core/ui/status.html, and the page reaches for nothing outside the worker. */
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "sluice/util.h"
#include "ui.h"

static void test_page_is_the_source_file_byte_for_byte(void)
{
	size_t len = 0, want_len = 0;
	const char *page = sl_ui_page(&len);
	char *want = sl_file_read_all(SL_SOURCE_DIR "/core/ui/status.html", &want_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT_EQUAL(len, want_len);
	CU_ASSERT(len == want_len && memcmp(page, want, len) == 0);
	CU_ASSERT_EQUAL(page[len], '\0');
	free(want);
}

static void test_page_is_one_self_contained_document(void)
{
	size_t len = 0;
	const char *page = sl_ui_page(&len);
	CU_ASSERT(len > 1000);
	CU_ASSERT_EQUAL(strncmp(page, "<!doctype html>", 15), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(page, "</html>"));
	/* No script, style sheet, font or image from anywhere. */
	CU_ASSERT_PTR_NULL(strstr(page, "http://"));
	CU_ASSERT_PTR_NULL(strstr(page, "https://"));
	CU_ASSERT_PTR_NULL(strstr(page, "src="));
	CU_ASSERT_PTR_NULL(strstr(page, "<link"));
	CU_ASSERT_PTR_NULL(strstr(page, "@import"));
	/* Names are text, never markup. */
	CU_ASSERT_PTR_NULL(strstr(page, "innerHTML"));
	CU_ASSERT_PTR_NULL(strstr(page, "insertAdjacentHTML"));
}

void ui_test_register(void)
{
	static CU_TestInfo tests[] = {
		{"page_is_the_source_file_byte_for_byte",
		 test_page_is_the_source_file_byte_for_byte},
		{"page_is_one_self_contained_document", test_page_is_one_self_contained_document},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("ui", NULL, NULL, tests);
}
