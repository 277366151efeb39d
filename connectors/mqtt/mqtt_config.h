/* The options mqtt-source and mqtt-sink share (Confluent's MQTT connector
 * keys: the broker, the session, credentials, TLS) and how they become
 * the client's options. */
#ifndef SL_MQTT_CONFIG_H
#define SL_MQTT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "mqtt_client.h"
#include "sluice/config.h"
#include "sluice/connector.h"
#include "sluice/errlist.h"
#include "sluice/options.h"

typedef struct mqtt_conn_config {
	char **uris;
	int version; /* index into mqtt_version_names */
	char *client_id;
	bool clean_session;
	int64_t session_expiry_s;
	int64_t connect_timeout_s;
	int64_t keepalive_s;
	char *username, *password;
	char *trust_store, *key_store, *key_password;
	bool ssl_verify;
	int64_t qos;
} mqtt_conn_config_t;

extern const char *const mqtt_version_names[];

/* The shared rows of an option table; T is the connector's config struct
 * and m its mqtt_conn_config_t member. */
#define MQTT_CONN_OPTIONS(T, m)                                                                    \
	{.name = "mqtt.server.uri",                                                                \
	 .type = SL_OPT_LIST,                                                                      \
	 .required = true,                                                                         \
	 .doc = "The broker: tcp://host:port or ssl://host:port (ports 1883 / 8883 by default). "  \
		"Several, comma-separated, for failover: each (re)connection tries them in "       \
		"order.",                                                                          \
	 SL_OPT_AT(T, m.uris)},                                                                    \
		{.name = "mqtt.version",                                                           \
		 .type = SL_OPT_ENUM,                                                              \
		 .def = "5",                                                                       \
		 .enums = mqtt_version_names,                                                      \
		 .doc = "The protocol: 5 (MQTT 5.0: the Receive Maximum window, reason codes and " \
			"strings, user properties) or 3.1.1.",                                     \
		 SL_OPT_AT(T, m.version)},                                                         \
		{.name = "mqtt.client.id",                                                         \
		 .type = SL_OPT_STRING,                                                            \
		 .doc = "The client id, which names the broker's persistent session. Default "     \
			"sluice-<connector>-<task>: stable across restarts, so a restarted task "  \
			"resumes its session. With tasks.max > 1 a set id gets -<task> appended.", \
		 SL_OPT_AT(T, m.client_id)},                                                       \
		{.name = "mqtt.clean.session.enabled",                                             \
		 .type = SL_OPT_BOOL,                                                              \
		 .def = "false",                                                                   \
		 .doc = "Start a new session at every connection (Clean Session / Clean Start). "  \
			"Off by default: the broker keeps the session, and with it the messages "  \
			"not yet acknowledged and those published while the worker was down.",     \
		 SL_OPT_AT(T, m.clean_session)},                                                   \
		{.name = "mqtt.session.expiry.interval.seconds",                                   \
		 .type = SL_OPT_INT,                                                               \
		 .def = "4294967295",                                                              \
		 SL_OPT_MIN(0),                                                                    \
		 SL_OPT_MAX(4294967295.0),                                                         \
		 .doc = "MQTT 5: how long the broker keeps the session after the connection "      \
			"ends (4294967295: for ever, as MQTT 3.1.1 does).",                        \
		 SL_OPT_AT(T, m.session_expiry_s)},                                                \
		{.name = "mqtt.connect.timeout.seconds",                                           \
		 .type = SL_OPT_INT,                                                               \
		 .def = "30",                                                                      \
		 SL_OPT_MIN(1),                                                                    \
		 .doc = "How long a connection attempt (TCP, TLS, CONNACK) may take.",             \
		 SL_OPT_AT(T, m.connect_timeout_s)},                                               \
		{.name = "mqtt.keepalive.interval.seconds",                                        \
		 .type = SL_OPT_INT,                                                               \
		 .def = "60",                                                                      \
		 SL_OPT_MIN(0),                                                                    \
		 SL_OPT_MAX(65535),                                                                \
		 .doc = "Keep Alive: a PINGREQ when nothing else was sent for this long; a "       \
			"broker "                                                                  \
			"silent for 1.5 times this long is taken for gone (0: off).",              \
		 SL_OPT_AT(T, m.keepalive_s)},                                                     \
		{.name = "mqtt.username",                                                          \
		 .type = SL_OPT_STRING,                                                            \
		 .doc = "The user name the broker checks.",                                        \
		 SL_OPT_AT(T, m.username)},                                                        \
		{.name = "mqtt.password",                                                          \
		 .type = SL_OPT_PASSWORD,                                                          \
		 .doc = "The password; keep it out of the file with a config provider.",           \
		 SL_OPT_AT(T, m.password)},                                                        \
		{.name = "mqtt.ssl.trust.store.path",                                              \
		 .type = SL_OPT_STRING,                                                            \
		 .doc = "For ssl:// URIs: the CA certificates (PEM) the broker's certificate is "  \
			"checked against; the system's when unset. A Java key store is refused: "  \
			"convert it to PEM (keytool -exportcert -rfc).",                           \
		 SL_OPT_AT(T, m.trust_store)},                                                     \
		{.name = "mqtt.ssl.key.store.path",                                                \
		 .type = SL_OPT_STRING,                                                            \
		 .doc = "For ssl:// URIs: the client certificate and its key (one PEM file), for " \
			"brokers that authenticate clients by certificate.",                       \
		 SL_OPT_AT(T, m.key_store)},                                                       \
		{.name = "mqtt.ssl.key.password",                                                  \
		 .type = SL_OPT_PASSWORD,                                                          \
		 .doc = "The password of the key in mqtt.ssl.key.store.path.",                     \
		 SL_OPT_AT(T, m.key_password)},                                                    \
		{.name = "mqtt.ssl.verify",                                                        \
		 .type = SL_OPT_BOOL,                                                              \
		 .def = "true",                                                                    \
		 .doc = "Check the broker's certificate and host name. Turn off only for a test "  \
			"broker.",                                                                 \
		 SL_OPT_AT(T, m.ssl_verify)},                                                      \
	{                                                                                          \
		.name = "mqtt.qos", .type = SL_OPT_INT, .def = "1", SL_OPT_MIN(0), SL_OPT_MAX(2),  \
		.doc = "The quality of service: 1 (at least once: nothing lost) by default; 2 "    \
		       "(exactly once between broker and client; still at least once into "        \
		       "Kafka); 0 (at most once: what is in flight when the worker dies is "       \
		       "lost).",                                                                   \
		SL_OPT_AT(T, m.qos)                                                                \
	}

/* Checks what the table cannot (URI schemes, PEM files); one message per
 * problem in errs; 0 when fine. */
int mqtt_conn_resolve(const mqtt_conn_config_t *c, const sl_config_t *config, sl_errlist_t *errs);

/* The client id of task ctx: mqtt.client.id (with -<task> appended when
 * the connector runs several tasks) or sluice-<connector>-<task>;
 * malloc()ed. */
char *mqtt_conn_client_id(const mqtt_conn_config_t *c, sl_task_ctx_t *ctx);

/* Fills o from c (pointing into c and id, which must outlive o); subs,
 * receive_maximum and max_inflight are the caller's. */
void mqtt_conn_opts(const mqtt_conn_config_t *c, const char *id, const char *tag,
		    mqtt_client_opts_t *o);

#endif
