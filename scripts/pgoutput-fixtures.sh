#!/bin/sh
# Captures the pgoutput (protocol v1) messages that tests/unit/postgres/pgoutput_fixtures.h
# embeds: starts a throwaway PostgreSQL 15 (wal_level=logical) in a temp dir on a
# free loopback port, runs the statements below, prints "lsn xid hex" per message
# from pg_logical_slot_peek_binary_changes, and stops the server by PID.
# Usage: scripts/pgoutput-fixtures.sh > messages.txt   (run as root or postgres)
set -eu
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
D=$(mktemp -d)
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
AS=""
[ "$(id -u)" = 0 ] && { chown postgres "$D"; AS="runuser -u postgres --"; }
$AS "$BIN/initdb" -D "$D/data" -U postgres -A trust >/dev/null
cat >>"$D/data/postgresql.conf" <<CONF
wal_level=logical
listen_addresses='127.0.0.1'
port=$PORT
unix_socket_directories='$D'
timezone='UTC'
CONF
$AS "$BIN/pg_ctl" -D "$D/data" -l "$D/log" -w start >/dev/null
PID=$(head -1 "$D/data/postmaster.pid")
trap 'kill -INT "$PID" 2>/dev/null; sleep 1; rm -rf "$D"' EXIT
q() { psql -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -q "$@" postgres; }
q <<'SQL' >/dev/null
CREATE TYPE mood AS ENUM ('sad','ok','happy');
CREATE TABLE alltypes (
 id int4 PRIMARY KEY, b bool, i2 int2, i8 int8, f4 float4, f8 float8,
 n numeric(10,2), nv numeric, t text, vc varchar(20), bp char(3), ba bytea,
 d date, tm time, tm3 time(3), ts timestamp, ts3 timestamp(3), tstz timestamptz, ttz timetz,
 u uuid, j json, jb jsonb, e mood, ia int4[], ta text[], unk inet);
CREATE TABLE customers (id int4 PRIMARY KEY, name text NOT NULL, big text);
ALTER TABLE customers ALTER COLUMN big SET STORAGE EXTERNAL;
CREATE TABLE fullrow (id int4, v text);
ALTER TABLE fullrow REPLICA IDENTITY FULL;
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT pg_create_logical_replication_slot('slot', 'pgoutput');
SQL
q <<'SQL' >/dev/null
INSERT INTO alltypes VALUES (1, true, -32768, 9223372036854775807, 1.5, -2.25e-10,
 12345678.90, -0.000123, 'hé "q" \ x', 'varchar', 'ab', '\xdeadbeef',
 '2026-11-25', '10:00:00.123456', '23:59:59.999', '2026-11-25 10:00:00.123456', '1970-01-01 00:00:00.5',
 '2026-11-25 12:00:00.123456+02', '10:00:00+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
 '{"a": [1, 2]}', '{"b": {"c": null}}', 'happy', '{1,NULL,-3}', '{"x y","q\"z",NULL,"NULL"}', '192.168.0.1/24');
INSERT INTO alltypes (id) VALUES (2);
INSERT INTO alltypes (id, f4, f8, nv, d, ts, tstz) VALUES (3, 'NaN', '-Infinity', 'NaN', '0044-03-15 BC', 'infinity', '-infinity');
INSERT INTO customers VALUES (1, 'alice', repeat('x', 10000));
UPDATE customers SET name = 'alice2' WHERE id = 1;
UPDATE customers SET id = 10 WHERE id = 1;
DELETE FROM customers WHERE id = 10;
INSERT INTO fullrow VALUES (1, 'one');
UPDATE fullrow SET v = 'uno' WHERE id = 1;
DELETE FROM fullrow WHERE id = 1;
TRUNCATE fullrow, customers RESTART IDENTITY;
SELECT pg_logical_emit_message(true, 'tx-prefix', 'hello');
SELECT pg_logical_emit_message(false, 'nontx', '\x00ff'::bytea);
SQL
q -At -F ' ' -c "SELECT lsn, xid, encode(data, 'hex') FROM pg_logical_slot_peek_binary_changes('slot', NULL, NULL, 'proto_version', '1', 'publication_names', 'pub', 'messages', 'true')"
