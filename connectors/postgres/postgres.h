/* The PostgreSQL connectors of the registry (core/plugins.c). */
#ifndef SL_POSTGRES_H
#define SL_POSTGRES_H

#include "sluice/connector.h"

/* postgres-source: change data capture through logical replication
 * (pgoutput), Debezium's PostgresConnector event and offset format. */
extern const sl_connector_t postgres_source_connector;

/* postgres-sink: Debezium change events and flat structs into tables
 * (insert, upsert, update, delete), like Confluent's JDBC sink. */
extern const sl_connector_t postgres_sink_connector;

#endif
