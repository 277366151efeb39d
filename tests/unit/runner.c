/* Runs every unit test suite (tests/unit/<name>_test.c). */
#include "runner.h"

#define SL_SUITE(fn) void fn(void);
#include "unit_suites.h"
#undef SL_SUITE

static const sl_suite_register_fn suites[] = {
#define SL_SUITE(fn) fn,
#include "unit_suites.h"
#undef SL_SUITE
};

int main(int argc, char **argv)
{
	return sl_test_main(argc, argv, suites, sizeof(suites) / sizeof(suites[0]));
}
