/* Connector and option descriptions generated from the option tables. */
#include "describe.h"

#include <string.h>

#include "worker.h"

static void default_text(const sl_option_t *o, char *buf, size_t size)
{
	if (o->type == SL_OPT_PASSWORD && o->def)
		snprintf(buf, size, "(hidden)");
	else if (!o->def)
		snprintf(buf, size, "%s", o->required ? "" : "(none)");
	else if (!*o->def)
		snprintf(buf, size, "\"\"");
	else if (!strcmp(o->def, "\t"))
		snprintf(buf, size, "\\t (tab)");
	else
		snprintf(buf, size, "%s", o->def);
}

static void enum_text(const sl_option_t *o, char *buf, size_t size)
{
	buf[0] = '\0';
	size_t len = 0;
	for (const char *const *e = o->enums; o->type == SL_OPT_ENUM && e && *e; e++)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
					len ? ", " : "", *e);
}

static void text_table(FILE *out, const char *title, const sl_option_t *table)
{
	fprintf(out, "\n%s:\n", title);
	for (const sl_option_t *o = table; o->name; o++) {
		char def[256], en[256];
		if (o->internal)
			continue;
		default_text(o, def, sizeof(def));
		enum_text(o, en, sizeof(en));
		fprintf(out, "  %s (%s%s%s)%s%s%s\n", o->name, sl_opt_type_name(o->type),
			en[0] ? ": " : "", en, o->required ? " required" : "",
			o->required ? "" : " default ", o->required ? "" : def);
		if (o->alias)
			fprintf(out, "      alias: %s\n", o->alias);
		if (o->ignored)
			fprintf(out, "      accepted for compatibility and not used: %s\n",
				o->ignored);
		if (o->doc) /* an ignored option may say only why */
			fprintf(out, "      %s\n", o->doc);
	}
}

void sl_describe_text(FILE *out, const sl_connector_t *p)
{
	fprintf(out, "%s (%s connector)\n", p->name, p->kind == SL_SOURCE ? "source" : "sink");
	for (const char *const *a = p->aliases; a && *a; a++)
		fprintf(out, "  alias: %s\n", *a);
	fprintf(out, "\n%s\n", p->doc);
	text_table(out, "Options", p->options);
	text_table(out,
		   p->kind == SL_SOURCE ? "Source connector options (every source)"
					: "Sink connector options (every sink)",
		   p->kind == SL_SOURCE ? sl_source_common_options : sl_sink_common_options);
	text_table(out, "Common options (every connector)", sl_connector_common_options);
}

static void md_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else
			fputc(*s, out);
	}
}

void sl_describe_markdown_table(FILE *out, const sl_option_t *table)
{
	fputs("| Option | Type | Default | Required | Description |\n", out);
	fputs("|---|---|---|---|---|\n", out);
	for (const sl_option_t *o = table; o->name; o++) {
		char def[256], en[256];
		if (o->internal)
			continue;
		default_text(o, def, sizeof(def));
		enum_text(o, en, sizeof(en));
		fprintf(out, "| `%s`", o->name);
		if (o->alias)
			fprintf(out, " (alias `%s`)", o->alias);
		fprintf(out, " | %s%s%s%s | ", sl_opt_type_name(o->type), en[0] ? " (" : "", en,
			en[0] ? ")" : "");
		if (def[0])
			fprintf(out, "`%s`", def);
		fprintf(out, " | %s | ", o->required ? "yes" : "no");
		md_escape(out, o->doc ? o->doc : "");
		if (o->ignored) {
			fputs(" **Accepted for compatibility and not used:** ", out);
			md_escape(out, o->ignored);
			fputs(".", out);
		}
		fputs(" |\n", out);
	}
}

void sl_describe_markdown(FILE *out, const sl_connector_t *p)
{
	fprintf(out, "### `%s` options\n\n", p->name);
	sl_describe_markdown_table(out, p->options);
	for (size_t i = 0; p->producer_defaults && p->producer_defaults[i]; i += 2)
		fprintf(out, "%s`producer.%s=%s`%s", i ? ", " : "\nIts producer starts from ",
			p->producer_defaults[i], p->producer_defaults[i + 1],
			p->producer_defaults[i + 2] ? "" : " (producer.override.* changes it).\n");
	fprintf(out,
		"\nAlso accepted: the %s options and the common connector options "
		"(docs/configuration.md).\n",
		p->kind == SL_SOURCE ? "source" : "sink");
}
