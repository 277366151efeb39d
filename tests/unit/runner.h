/* The CUnit runner shared by the unit and integration test binaries: runs
 * every registered suite (or those named on the command line) and prints
 * the closing "N passed, N failed" line. */
#ifndef SL_TEST_RUNNER_H
#define SL_TEST_RUNNER_H

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

typedef void (*sl_suite_register_fn)(void);

/* Compares two strings, printing both when they differ. */
#define SL_ASSERT_TEXT(actual, expected)                                                           \
	do {                                                                                       \
		const char *a_ = (actual), *e_ = (expected);                                       \
		CU_ASSERT_PTR_NOT_NULL_FATAL(a_);                                                  \
		if (strcmp(a_, e_))                                                                \
			fprintf(stderr, "\n    got:  %s\n    want: %s\n", a_, e_);                 \
		CU_ASSERT_STRING_EQUAL(a_, e_);                                                    \
	} while (0)

/* Asserts haystack holds needle, printing both when it does not. */
#define SL_ASSERT_CONTAINS(haystack, needle)                                                       \
	do {                                                                                       \
		CU_ASSERT_PTR_NOT_NULL_FATAL(haystack);                                            \
		if (!strstr((haystack), (needle)))                                                 \
			fprintf(stderr, "\n    \"%s\" lacks \"%s\"\n", (haystack), (needle));      \
		CU_ASSERT_PTR_NOT_NULL(strstr((haystack), (needle)));                              \
	} while (0)

/* Runs every suite, or those named in argv (each run's counts summed);
 * "--list" prints the suites' names, one a line (scripts/test.sh runs the
 * integration suites side by side with it). */
static inline int sl_test_main(int argc, char **argv, const sl_suite_register_fn *fns, size_t count)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (size_t i = 0; i < count; i++)
		fns[i]();
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (CU_pSuite s = CU_get_registry()->pSuite; s; s = s->pNext)
			printf("%s\n", s->pName);
		CU_cleanup_registry();
		return 0;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	unsigned run = 0, failed = 0, suites_failed = 0;
	for (int a = 1; a < argc || (argc <= 1 && a == 1); a++) {
		if (argc <= 1) {
			CU_basic_run_tests();
		} else {
			CU_pSuite s = CU_get_suite(argv[a]);
			if (!s) {
				fprintf(stderr, "no suite named '%s'\n", argv[a]);
				CU_cleanup_registry();
				return 2;
			}
			CU_basic_run_suite(s);
		}
		run += CU_get_number_of_tests_run();
		failed += CU_get_number_of_tests_failed();
		suites_failed += CU_get_number_of_suites_failed();
	}
	printf("\n%u passed, %u failed\n", run - failed, failed + suites_failed);
	CU_cleanup_registry();
	return (failed || suites_failed) ? 1 : 0;
}

/* Adds a suite and its tests; tests is a NULL-name-terminated CU_TestInfo. */
static inline void sl_test_add_suite(const char *name, CU_InitializeFunc init,
				     CU_CleanupFunc cleanup, CU_TestInfo *tests)
{
	CU_pSuite s = CU_add_suite(name, init, cleanup);
	for (CU_TestInfo *t = tests; s && t->pName; t++)
		CU_add_test(s, t->pName, t->pTestFunc);
}

#endif
