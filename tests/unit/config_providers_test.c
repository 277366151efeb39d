/* Unit tests for core/config_resolve.c's config providers as Kafka Connect
 * declares them: the dir provider, names declared with config.providers
 * mapped to their class, allowed.paths and allowlist.pattern, a worker's
 * providers serving its connectors, and no secret in any message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"
#include "sluice/config.h"

#define CLASS(c) "org.apache.kafka.common.config.provider." c

/* A fresh directory holding the file pw (contents "s3cret\n") and
 * db.properties (password=hunter2); free() the returned path. */
static char *make_secrets(void)
{
	char *dir = sl_strdup("/tmp/sl_providers_test_XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char *pw = sl_asprintf("%s/pw", dir), *db = sl_asprintf("%s/db.properties", dir);
	FILE *f = fopen(pw, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("s3cret\n", f);
	fclose(f);
	f = fopen(db, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("password=hunter2\n", f);
	fclose(f);
	free(pw);
	free(db);
	return dir;
}

static void drop_secrets(char *dir)
{
	char *pw = sl_asprintf("%s/pw", dir), *db = sl_asprintf("%s/db.properties", dir);
	remove(pw);
	remove(db);
	rmdir(dir);
	free(pw);
	free(db);
	free(dir);
}

/* Parses text (with "%s" standing for dir, up to three times) as
 * w.properties and resolves it with the providers of decl (NULL: its own).
 * Returns the config (NULL when parsing failed); errs gets the errors. */
static sl_config_t *resolved(const char *text, const char *dir, const sl_config_t *decl,
			     sl_errlist_t *errs)
{
	char *t = sl_asprintf(text, dir, dir, dir);
	sl_config_t *cfg = sl_config_parse_properties(t, "w.properties", errs);
	free(t);
	if (cfg)
		sl_config_resolve_with(cfg, decl, errs);
	return cfg;
}

/* The errors joined by newlines, malloc()ed. */
static char *joined(const sl_errlist_t *errs)
{
	sl_buf_t b = {0};
	sl_buf_append_str(&b, "");
	for (size_t i = 0; i < errs->count; i++)
		sl_buf_appendf(&b, "%s%s", i ? "\n" : "", errs->items[i]);
	return sl_buf_steal(&b);
}

static void test_dir_provider_reads_a_whole_file_of_a_directory(void)
{
	char *dir = make_secrets();
	sl_errlist_t errs = {0};
	sl_config_t *cfg = resolved("a=${dir:%s:pw}\nb=x${dir:%s/:pw}y\n", dir, NULL, &errs);

	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT_STRING_EQUAL(sl_config_get(cfg, "a"), "s3cret\n"); /* as Kafka Connect */
	CU_ASSERT_STRING_EQUAL(sl_config_get(cfg, "b"), "xs3cret\ny");
	sl_config_free(cfg);
	sl_errlist_free(&errs);
	drop_secrets(dir);
}

static void test_dir_provider_refuses_names_outside_the_directory(void)
{
	char *dir = make_secrets();
	sl_errlist_t errs = {0};
	sl_config_t *cfg =
		resolved("a=${dir:%s:../etc/passwd}\nb=${dir:%s:absent}\n", dir, NULL, &errs);
	char *got = joined(&errs);
	char *want = sl_asprintf("w.properties:1: key 'a': '../etc/passwd' is not a file name in "
				 "%s\nw.properties:2: key 'b': cannot read %s/absent: No such "
				 "file or directory",
				 dir, dir);

	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);
	free(want);
	sl_config_free(cfg);
	sl_errlist_free(&errs);
	drop_secrets(dir);
}

static void test_declared_provider_names_map_to_their_class(void)
{
	char *dir = make_secrets();
	sl_errlist_t errs = {0};
	setenv("SL_PROVIDERS_TEST_USER", "alice", 1);
	sl_config_t *cfg = resolved(
		"config.providers=secrets,vars,k8s\n"
		"config.providers.secrets.class=" CLASS(
			"FileConfigProvider") "\n"
					      "config.providers.vars.class=" CLASS(
						      "EnvVarConfigProvider") "\n"
									      "config.providers."
									      "k8s.class="
									      "DirectoryConfigProvi"
									      "der\n"
									      "a=${secrets:%s/"
									      "db.properties:"
									      "password}\nb=${vars:"
									      "SL_PROVIDERS_TEST_"
									      "USER}\n"
									      "c=${k8s:%s:pw}\nd=${"
									      "env:SL_PROVIDERS_"
									      "TEST_USER}\n",
		dir, NULL, &errs);

	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT_STRING_EQUAL(sl_config_get(cfg, "a"), "hunter2");
	CU_ASSERT_STRING_EQUAL(sl_config_get(cfg, "b"), "alice");
	CU_ASSERT_STRING_EQUAL(sl_config_get(cfg, "c"), "s3cret\n");
	CU_ASSERT_STRING_EQUAL(sl_config_get(cfg, "d"), "alice"); /* built-ins still work */
	unsetenv("SL_PROVIDERS_TEST_USER");
	sl_config_free(cfg);
	sl_errlist_free(&errs);
	drop_secrets(dir);
}

static void test_unknown_or_missing_provider_class_is_an_error(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = resolved("config.providers=vault,file2\n"
				    "config.providers.vault.class=com.example.VaultProvider\n"
				    "x=${vault:secret/db:pw}\n",
				    "", NULL, &errs);
	char *got = joined(&errs);

	CU_ASSERT_STRING_EQUAL(
		got, "w.properties:2: key 'config.providers.vault.class': unknown config provider "
		     "class 'com.example.VaultProvider'; sluice has "
		     "org.apache.kafka.common.config.provider.FileConfigProvider, "
		     "EnvVarConfigProvider and DirectoryConfigProvider\n"
		     "w.properties:1: config provider 'file2' has no class: set "
		     "config.providers.file2.class");
	free(got);
	sl_config_free(cfg);
	sl_errlist_free(&errs);
}

static void test_unknown_provider_name_lists_the_declared_ones(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = resolved(
		"config.providers=vars\n"
		"config.providers.vars.class=" CLASS("EnvVarConfigProvider") "\n"
									     "x=${var:HOME}\n",
		"", NULL, &errs);
	char *got = joined(&errs);

	CU_ASSERT_STRING_EQUAL(got, "w.properties:3: key 'x': unknown config provider 'var' "
				    "(known: env, file, dir, vars)");
	free(got);
	sl_config_free(cfg);
	sl_errlist_free(&errs);
}

static void test_allowed_paths_refuse_references_outside_them(void)
{
	char *dir = make_secrets();
	sl_errlist_t errs = {0};
	sl_config_t *cfg = resolved(
		"config.providers=file,dir\n"
		"config.providers.file.class=" CLASS(
			"FileConfigProvider") "\n"
					      "config.providers.file.param.allowed.paths=%s\n"
					      "config.providers.dir.class=" CLASS(
						      "DirectoryConfigProvider") "\n"
										 "config.providers."
										 "dir.param."
										 "allowed.paths=/"
										 "nonexistent/a, "
										 "%s\n"
										 "ok=${file:%s/"
										 "db.properties:"
										 "password}\n"
										 "up=${file:/etc/"
										 "../etc/"
										 "passwd:root}\n"
										 "d=${dir:/"
										 "etc:passwd}\n",
		dir, NULL, &errs);
	char *got = joined(&errs);

	CU_ASSERT_STRING_EQUAL(got, "w.properties:7: key 'up': /etc/../etc/passwd is not under "
				    "config.providers.file.param.allowed.paths\n"
				    "w.properties:8: key 'd': /etc is not under "
				    "config.providers.dir.param.allowed.paths");
	CU_ASSERT_STRING_EQUAL(sl_config_get(cfg, "ok"), "hunter2");
	free(got);
	sl_config_free(cfg);
	sl_errlist_free(&errs);
	drop_secrets(dir);
}

static void test_allowed_paths_see_through_dot_dot(void)
{
	char *dir = make_secrets();
	sl_errlist_t errs = {0};
	sl_config_t *cfg = resolved(
		"config.providers=file\n"
		"config.providers.file.class=" CLASS(
			"FileConfigProvider") "\n"
					      "config.providers.file.param.allowed.paths=%s\n"
					      "x=${file:%s/../../etc/passwd:root}\n",
		dir, NULL, &errs);

	CU_ASSERT_EQUAL(errs.count, 1);
	if (errs.count)
		CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0], "is not under"));
	sl_config_free(cfg);
	sl_errlist_free(&errs);
	drop_secrets(dir);
}

static void test_env_allowlist_pattern_matches_whole_names(void)
{
	sl_errlist_t errs = {0};
	setenv("SL_PROVIDERS_TEST_OK", "1", 1);
	setenv("SL_PROVIDERS_TEST_OK_NOT", "2", 1);
	sl_config_t *cfg =
		resolved("config.providers=env\n"
			 "config.providers.env.class=" CLASS(
				 "EnvVarConfigProvider") "\n"
							 "config.providers.env.param.allowlist."
							 "pattern=SL_PROVIDERS_TEST_[A-Z]+\n"
							 "a=${env:SL_PROVIDERS_TEST_OK}\nb=${env:"
							 "SL_PROVIDERS_TEST_OK_NOT}\n",
			 "", NULL, &errs);
	char *got = joined(&errs);

	CU_ASSERT_STRING_EQUAL(got, "w.properties:5: key 'b': environment variable "
				    "SL_PROVIDERS_TEST_OK_NOT is not allowed by "
				    "config.providers.env.param.allowlist.pattern");
	CU_ASSERT_STRING_EQUAL(sl_config_get(cfg, "a"), "1");
	unsetenv("SL_PROVIDERS_TEST_OK");
	unsetenv("SL_PROVIDERS_TEST_OK_NOT");
	free(got);
	sl_config_free(cfg);
	sl_errlist_free(&errs);
}

static void test_bad_provider_parameters_are_errors(void)
{
	sl_errlist_t errs = {0};
	sl_config_t *cfg = resolved(
		"config.providers=env,file\n"
		"config.providers.env.class=" CLASS(
			"EnvVarConfigProvider") "\n"
						"config.providers.env.param.allowlist.patern=x\n"
						"config.providers.file.class=" CLASS(
							"FileConfigProvider") "\n"
									      "config.providers."
									      "file.param.allowed."
									      "paths=secrets\n",
		"", NULL, &errs);
	char *got = joined(&errs);

	CU_ASSERT_STRING_EQUAL(got,
			       "w.properties:3: key 'config.providers.env.param.allowlist."
			       "patern': unknown parameter of config provider 'env' (known: "
			       "allowlist.pattern)\n"
			       "w.properties:5: key 'config.providers.file.param.allowed.paths': "
			       "'secrets' is not an absolute path");
	free(got);
	sl_config_free(cfg);
	sl_errlist_free(&errs);
}

static void test_worker_providers_serve_connector_files(void)
{
	char *dir = make_secrets();
	sl_errlist_t errs = {0};
	sl_config_t *worker =
		resolved("config.providers=secrets\n"
			 "config.providers.secrets.class=" CLASS("DirectoryConfigProvider") "\n",
			 "", NULL, &errs);
	sl_config_t *conn = resolved("name=c\npw=${secrets:%s:pw}\n", dir, worker, &errs);

	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT_STRING_EQUAL(sl_config_get(conn, "pw"), "s3cret\n");
	sl_config_free(conn);
	sl_config_free(worker);
	sl_errlist_free(&errs);
	drop_secrets(dir);
}

static void test_no_message_holds_a_resolved_secret(void)
{
	char *dir = make_secrets();
	sl_errlist_t errs = {0};
	unsetenv("SL_PROVIDERS_TEST_UNSET");
	sl_config_t *cfg =
		resolved("pw=${file:%s/db.properties:password}${env:SL_PROVIDERS_TEST_UNSET}\n"
			 "pw2=${dir:%s:pw}}${file:%s/db.properties:absent}\n",
			 dir, NULL, &errs);
	char *got = joined(&errs);

	CU_ASSERT_EQUAL(errs.count, 2);
	CU_ASSERT_PTR_NULL(strstr(got, "hunter2"));
	CU_ASSERT_PTR_NULL(strstr(got, "s3cret"));
	free(got);
	sl_config_free(cfg);
	sl_errlist_free(&errs);
	drop_secrets(dir);
}

static void test_resolved_values_are_marked_secret_through_copies(void)
{
	sl_errlist_t errs = {0};
	setenv("SL_PROVIDERS_TEST_PW", "pw", 1);
	sl_config_t *cfg = resolved("producer.override.x=${env:SL_PROVIDERS_TEST_PW}\n"
				    "plain=${topic}\npassword=p\n",
				    "", NULL, &errs);

	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT(sl_config_find(cfg, "producer.override.x")->from_provider);
	CU_ASSERT(sl_config_entry_is_secret(sl_config_find(cfg, "producer.override.x")));
	CU_ASSERT_FALSE(sl_config_find(cfg, "plain")->from_provider);
	CU_ASSERT_FALSE(sl_config_entry_is_secret(sl_config_find(cfg, "plain")));
	CU_ASSERT(sl_config_entry_is_secret(sl_config_find(cfg, "password")));
	sl_config_t *dup = sl_config_dup(cfg);
	sl_config_t *sub = sl_config_subset(cfg, "producer.override.", true);
	CU_ASSERT(sl_config_find(dup, "producer.override.x")->from_provider);
	CU_ASSERT(sl_config_find(sub, "x")->from_provider);
	sl_config_set(dup, "producer.override.x", "typed", NULL, 0);
	CU_ASSERT_FALSE(sl_config_find(dup, "producer.override.x")->from_provider);
	unsetenv("SL_PROVIDERS_TEST_PW");
	sl_config_free(sub);
	sl_config_free(dup);
	sl_config_free(cfg);
	sl_errlist_free(&errs);
}

void config_providers_test_register(void)
{
	CU_TestInfo tests[] = {
		{"dir provider reads a whole file of a directory",
		 test_dir_provider_reads_a_whole_file_of_a_directory},
		{"dir provider refuses names outside the directory",
		 test_dir_provider_refuses_names_outside_the_directory},
		{"declared provider names map to their class",
		 test_declared_provider_names_map_to_their_class},
		{"unknown or missing provider class is an error",
		 test_unknown_or_missing_provider_class_is_an_error},
		{"unknown provider name lists the declared ones",
		 test_unknown_provider_name_lists_the_declared_ones},
		{"allowed.paths refuse references outside them",
		 test_allowed_paths_refuse_references_outside_them},
		{"allowed.paths see through dot dot", test_allowed_paths_see_through_dot_dot},
		{"env allowlist.pattern matches whole names",
		 test_env_allowlist_pattern_matches_whole_names},
		{"bad provider parameters are errors", test_bad_provider_parameters_are_errors},
		{"worker providers serve connector files",
		 test_worker_providers_serve_connector_files},
		{"no message holds a resolved secret", test_no_message_holds_a_resolved_secret},
		{"resolved values are marked secret through copies",
		 test_resolved_values_are_marked_secret_through_copies},
		CU_TEST_INFO_NULL,
	};
	sl_test_add_suite("config_providers", NULL, NULL, tests);
}
