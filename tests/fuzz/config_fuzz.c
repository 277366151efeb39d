/* libFuzzer target of the configuration loaders and config providers
 * (core/config*.c). The input's first byte picks the format (0
 * .properties, 1 .json, 2 libconfig) and the way in: bit 2 the file
 * loader sl_config_load on the rest written to a temp file, else the
 * in-memory parser and then sl_config_resolve. The providers read only
 * a sandbox (/tmp/sluice-config-fuzz-<pid>: secrets.properties, a dir/
 * of secret files, inc.cfg for @include): the harness declares file and
 * dir providers limited to it over whatever the input declares, and uses
 * the input's own declarations only when they name no file or directory
 * provider and no value refers to one. The file loader runs only on
 * inputs that, parsed in memory, have no reference and no providers
 * (it resolves with the built-ins, which read anything).
 *
 * Besides never crashing, leaking or hitting undefined behaviour, checked
 * with abort(): a refusal adds a message, at most SL_CONFIG_MAX_ERRORS
 * and the closing count; every key is found at its own entry; a copy
 * holds the same entries; sl_config_printable leaves no control byte;
 * and no message holds a secret a provider resolved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_priv.h"
#include "sluice/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "s3cret-fuzz-value"
#define PROVIDER_CLASS "org.apache.kafka.common.config.provider."

static char sandbox[64];

/* libconfig 1.5 (Debian 12's) leaks a string token on some syntax errors
 * (hyperrealm/libconfig#142, fixed in 1.7 by #155); LeakSanitizer is told
 * to let libconfig's own allocations be. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "config_fuzz: %s: %s\n", what, err);
	abort();
}

static void write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", sandbox, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		fail("sandbox", path);
}

/* The sandbox the providers may read, made once; removed at exit. */
static void sandbox_remove(void)
{
	static const char *const files[] = {
		"secrets.properties", "dir/token",  "dir/user", "inc.cfg",
		"input.properties",   "input.json", "input.cfg"};
	char path[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", sandbox, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/dir", sandbox);
	rmdir(path);
	rmdir(sandbox);
}

static void sandbox_make(void)
{
	char path[128];

	snprintf(sandbox, sizeof(sandbox), "/tmp/sluice-config-fuzz-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/dir", sandbox);
	if ((mkdir(sandbox, 0700) != 0 && access(sandbox, W_OK) != 0) ||
	    (mkdir(path, 0700) != 0 && access(path, W_OK) != 0))
		fail("sandbox", sandbox);
	write_file("secrets.properties", "user=alice\npassword=" SECRET "\n");
	write_file("dir/token", SECRET);
	write_file("dir/user", "alice");
	write_file("inc.cfg", "included = \"yes\";\ngroup = { depth = 2; };\n");
	setenv("SLUICE_FUZZ_USER", "alice", 1);
	setenv("SLUICE_FUZZ_PASSWORD", SECRET, 1);
	atexit(sandbox_remove);
}

/* Whether an entry's value or class would reach a file or directory
 * provider (or declares one). */
static bool reaches_files(const sl_config_t *cfg)
{
	for (size_t i = 0; i < sl_config_count(cfg); i++) {
		const sl_config_entry_t *e = sl_config_at(cfg, i);
		if (strstr(e->value, "${file:") || strstr(e->value, "${dir:") ||
		    strstr(e->value, "File") || strstr(e->value, "Directory"))
			return true;
	}
	return false;
}

static bool has_references(const sl_config_t *cfg)
{
	for (size_t i = 0; i < sl_config_count(cfg); i++) {
		const sl_config_entry_t *e = sl_config_at(cfg, i);
		if (strstr(e->value, "${") || !strncmp(e->key, "config.providers", 16))
			return true;
	}
	return false;
}

/* Declares file and dir providers that read only the sandbox, and env. */
static void declare_providers(sl_config_t *cfg)
{
	sl_config_set(cfg, "config.providers", "file,dir,env", NULL, 0);
	sl_config_set(cfg, "config.providers.file.class", PROVIDER_CLASS "FileConfigProvider", NULL,
		      0);
	sl_config_set(cfg, "config.providers.file.param.allowed.paths", sandbox, NULL, 0);
	sl_config_set(cfg, "config.providers.dir.class", PROVIDER_CLASS "DirectoryConfigProvider",
		      NULL, 0);
	sl_config_set(cfg, "config.providers.dir.param.allowed.paths", sandbox, NULL, 0);
	sl_config_set(cfg, "config.providers.env.class", PROVIDER_CLASS "EnvVarConfigProvider",
		      NULL, 0);
}

static void check_errors(const sl_errlist_t *errs, bool secret_in_input)
{
	if (errs->count > SL_CONFIG_MAX_ERRORS + 1)
		fail("errors", "more messages than SL_CONFIG_MAX_ERRORS and the count");
	for (size_t i = 0; i < errs->count; i++) {
		if (!errs->items[i][0])
			fail("errors", "an empty message");
		if (!secret_in_input && strstr(errs->items[i], SECRET))
			fail("a message shows a resolved secret", errs->items[i]);
	}
}

static void check_printable(const char *s)
{
	char buf[64];

	sl_config_printable(s, buf, sizeof(buf));
	for (const unsigned char *p = (const unsigned char *)buf; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fail("sl_config_printable", "left a control byte");
	if (sl_config_find_unprintable(buf))
		fail("sl_config_printable", "its output holds an unprintable byte");
}

static void check_config(const sl_config_t *cfg)
{
	sl_config_t *copy = sl_config_dup(cfg);

	if (sl_config_count(copy) != sl_config_count(cfg))
		fail("dup", "another number of entries");
	for (size_t i = 0; i < sl_config_count(cfg); i++) {
		const sl_config_entry_t *e = sl_config_at(cfg, i);
		if (!e->key || !e->value || sl_config_find(cfg, e->key) != e)
			fail("lookup", "a key is not found at its own entry");
		if (strcmp(sl_config_get(copy, e->key), e->value))
			fail("dup", "another value");
		check_printable(e->key);
		check_printable(e->value);
	}
	sl_config_free(copy);
}

static sl_config_t *parse(int format, const char *text, sl_errlist_t *errs)
{
	if (format == 0)
		return sl_config_parse_properties(text, "fuzz.properties", errs);
	if (format == 1)
		return sl_config_parse_json(text, "fuzz.json", errs);
	return sl_config_parse_libconfig_in(text, "fuzz.cfg", sandbox, errs);
}

/* The file loader on text written to the sandbox. */
static void load_file(int format, const char *text, size_t len, bool secret_in_input)
{
	static const char *const names[] = {"input.properties", "input.json", "input.cfg"};
	sl_errlist_t errs = {0};
	char path[128];
	sl_config_t *cfg;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", sandbox, names[format]);
	f = fopen(path, "w");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		fail("temp file", path);
	cfg = sl_config_load(path, &errs);
	unlink(path);
	if (!cfg && !errs.count)
		fail("load", "a refusal without a message");
	check_errors(&errs, secret_in_input);
	if (cfg)
		check_config(cfg);
	sl_config_free(cfg);
	sl_errlist_free(&errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	sl_errlist_t errs = {0};
	sl_config_t *cfg;
	bool secret_in_input, raw_include;
	int format;
	char *text;

	if (size < 1 || size > 65536)
		return 0;
	if (!ready) {
		sandbox_make();
		ready = true;
	}
	format = data[0] % 3;
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	secret_in_input = memmem(data, size, "s3cret", 6) != NULL;
	/* @include names a file: only names inside the sandbox */
	raw_include = memmem(data, size, "include", 7) || memmem(data, size, "INCLUDE", 7);
	if (format == 2 && raw_include &&
	    (memchr(text, '/', size - 1) || memchr(text, '\\', size - 1)))
		goto out;
	cfg = parse(format, text, &errs);
	if (!cfg && !errs.count)
		fail("parse", "a refusal without a message");
	check_errors(&errs, secret_in_input);
	if (cfg && (data[0] & 4) && !has_references(cfg)) {
		load_file(format, (const char *)data + 1, size - 1, secret_in_input);
	} else if (cfg) {
		if (reaches_files(cfg) || !sl_config_get(cfg, "config.providers"))
			declare_providers(cfg);
		sl_errlist_free(&errs);
		errs = (sl_errlist_t){0};
		sl_config_resolve(cfg, &errs);
		check_errors(&errs, secret_in_input);
		check_config(cfg);
	}
	sl_config_free(cfg);
out:
	sl_errlist_free(&errs);
	free(text);
	return 0;
}
