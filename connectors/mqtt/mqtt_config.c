/* The options both MQTT connectors share (see mqtt_config.h). */
#include "mqtt_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sluice/fileio.h"
#include "sluice/util.h"

const char *const mqtt_version_names[] = {"3.1.1", "5", NULL};

/* Whether path holds PEM text ("-----BEGIN"); err says why not. */
static bool pem_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot read %s", path);
		return false;
	}
	char head[64] = "";
	size_t n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = '\0';
	if (!strstr(head, "-----BEGIN")) {
		snprintf(err, errlen,
			 "%s is not a PEM file (a Java key store? sluice reads PEM: convert it "
			 "with keytool -exportcert -rfc or openssl pkcs12)",
			 path);
		return false;
	}
	return true;
}

int mqtt_conn_resolve(const mqtt_conn_config_t *c, const sl_config_t *config, sl_errlist_t *errs)
{
	const char *src = sl_config_source(config) ? sl_config_source(config) : "<config>";
	size_t before = errs->count;
	char err[512];
	bool tls = false;

	for (size_t i = 0; c->uris && c->uris[i]; i++) {
		const char *u = c->uris[i];
		if (!strncasecmp(u, "ssl://", 6))
			tls = true;
		else if (strncasecmp(u, "tcp://", 6))
			sl_errlist_addf(
				errs,
				"%s: option 'mqtt.server.uri': '%s' is not tcp://host:port or "
				"ssl://host:port",
				src, u);
	}
	if (!c->uris || !c->uris[0])
		sl_errlist_addf(errs, "%s: option 'mqtt.server.uri': no broker given", src);
	if (tls && c->trust_store && !pem_file(c->trust_store, err, sizeof(err)))
		sl_errlist_addf(errs, "%s: option 'mqtt.ssl.trust.store.path': %s", src, err);
	if (tls && c->key_store && !pem_file(c->key_store, err, sizeof(err)))
		sl_errlist_addf(errs, "%s: option 'mqtt.ssl.key.store.path': %s", src, err);
	if (c->client_id && strlen(c->client_id) > 65000)
		sl_errlist_addf(errs, "%s: option 'mqtt.client.id': too long", src);
	return errs->count > before ? -1 : 0;
}

char *mqtt_conn_client_id(const mqtt_conn_config_t *c, sl_task_ctx_t *ctx)
{
	if (c->client_id && *c->client_id)
		return sl_task_count(ctx) > 1 ? sl_asprintf("%s-%d", c->client_id, sl_task_id(ctx))
					      : sl_strdup(c->client_id);
	return sl_asprintf("sluice-%s-%d", sl_task_connector_name(ctx), sl_task_id(ctx));
}

void mqtt_conn_opts(const mqtt_conn_config_t *c, const char *id, const char *tag,
		    mqtt_client_opts_t *o)
{
	memset(o, 0, sizeof(*o));
	o->uris = (const char *const *)c->uris;
	o->version = c->version == 0 ? MQTT_V311 : MQTT_V5;
	o->client_id = id;
	o->clean_start = c->clean_session;
	o->session_expiry = (uint32_t)c->session_expiry_s;
	o->keepalive = (uint16_t)c->keepalive_s;
	o->connect_timeout_ms = (int)(c->connect_timeout_s * 1000);
	o->username = c->username;
	o->password = c->password;
	o->tls = (mqtt_tls_t){.ca_file = c->trust_store,
			      .cert_file = c->key_store,
			      .key_file = c->key_store,
			      .key_password = c->key_password,
			      .verify = c->ssl_verify};
	o->tag = tag;
}
