#!/usr/bin/env bash
# A throwaway PostgreSQL server for the e2e tests and benchmarks.
#
#   scripts/postgres.sh start DIR    initdb into DIR/data (first time) and
#                                    start the server; prints the port (also
#                                    in DIR/port). Again after stop: restarts
#                                    on the same port with the same data
#   scripts/postgres.sh stop DIR     stop the server started in DIR (by PID:
#                                    SIGINT = fast shutdown, SIGKILL after 20s)
#   scripts/postgres.sh restart DIR  stop, then start (same port, same data)
#
# The server listens on 127.0.0.1 only, trusts every local connection
# (superuser "postgres", database "postgres"), has wal_level=logical for the
# postgres-source connector and fsync on. Its unix socket is in DIR.
# Connect with: psql -h 127.0.0.1 -p "$(cat DIR/port)" -U postgres
#
# initdb and postgres refuse to run as root; as root the server runs as the
# "postgres" OS user (runuser) and DIR is chown'ed to it, so DIR's parents
# must be searchable by that user (parents under $TMPDIR or /tmp are made
# so: mktemp -d creates them 0700).
#
# Environment: PG_BIN (default: /usr/lib/postgresql/<newest>/bin, else the
# PATH), PG_START_TIMEOUT seconds (default 30), PG_OS_USER (default postgres).
set -euo pipefail

PG_START_TIMEOUT=${PG_START_TIMEOUT:-30}
PG_OS_USER=${PG_OS_USER:-postgres}

die() { echo "postgres.sh: $*" >&2; exit 1; }

find_bin() {
	if [[ -n ${PG_BIN:-} ]]; then
		echo "$PG_BIN"
		return
	fi
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	if [[ -n $d && -x $d/initdb ]]; then
		echo "$d"
	elif command -v initdb >/dev/null; then
		dirname "$(command -v initdb)"
	else
		die "initdb not found (run scripts/install-deps.sh, or set PG_BIN)"
	fi
}

# Runs a command as the server's OS user (runuser when we are root).
as_pg() {
	if (($(id -u) == 0)); then
		runuser -u "$PG_OS_USER" -- "$@"
	else
		"$@"
	fi
}

# As root: makes DIR reachable for the server's OS user. Parents under the
# temp dir (mktemp -d makes them 0700) get o+x; anywhere else it is an error
# naming the directory.
make_reachable() {
	local dir=$1 tmp p
	(($(id -u) == 0)) || return 0
	tmp=$(cd "${TMPDIR:-/tmp}" && pwd)
	p=$dir
	while [[ $p != / && -n $p ]]; do
		p=$(dirname "$p")
		runuser -u "$PG_OS_USER" -- test -x "$p" && continue
		case $p/ in
		"$tmp"/*) chmod o+x "$p" ;;
		*) die "$p is not searchable by the $PG_OS_USER user (chmod o+x it, or use a DIR under $tmp)" ;;
		esac
	done
}

# Prints a free TCP port on 127.0.0.1 (the kernel picks it).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# True while the server in DIR/postgres.pid is alive.
alive() {
	local pid
	pid=$(cat "$1/postgres.pid" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null
}

init_cluster() {
	local dir=$1 bin=$2
	as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		die "initdb into $dir/data failed"
	}
	cat >>"$dir/data/postgresql.conf" <<CONF

# --- scripts/postgres.sh ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
fsync = on
logging_collector = off
log_min_messages = warning
CONF
	# initdb --auth=trust already trusts host 127.0.0.1/32 and replication;
	# state it explicitly so an edited default cannot lock the tests out.
	cat >"$dir/data/pg_hba.conf" <<HBA
local all         all              trust
host  all         all 127.0.0.1/32 trust
local replication all              trust
host  replication all 127.0.0.1/32 trust
HBA
}

cmd_start() {
	local dir=${1:-}
	[[ -n $dir ]] || die "usage: postgres.sh start DIR"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	alive "$dir" && die "a server already runs from $dir (pid $(cat "$dir/postgres.pid"))"
	local bin port
	bin=$(find_bin)
	if (($(id -u) == 0)); then
		make_reachable "$dir"
		chown -R "$PG_OS_USER:" "$dir"
	fi
	if [[ -f $dir/data/PG_VERSION && -s $dir/port ]]; then
		port=$(cat "$dir/port")
	else
		rm -rf "$dir/data"
		init_cluster "$dir" "$bin"
		port=$(free_port)
		echo "$port" >"$dir/port"
	fi
	# A server killed with SIGKILL leaves postmaster.pid behind; postgres
	# itself checks whether that PID still runs, so it is safe to keep.
	: >"$dir/postgres.log"
	(($(id -u) == 0)) && chown "$PG_OS_USER:" "$dir/postgres.log" "$dir/port"
	# setsid: the server gets its own session and not the terminal's Ctrl-C.
	local run=()
	(($(id -u) == 0)) && run=(runuser -u "$PG_OS_USER" --)
	setsid "${run[@]}" "$bin/postgres" -D "$dir/data" -p "$port" \
		>>"$dir/postgres.log" 2>&1 </dev/null &
	local launcher=$!

	local deadline=$((SECONDS + PG_START_TIMEOUT)) pid=
	until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2; do
		if ! kill -0 "$launcher" 2>/dev/null || ((SECONDS >= deadline)); then
			echo "postgres.sh: server exited or did not answer within ${PG_START_TIMEOUT}s; log tail:" >&2
			tail -n 40 "$dir/postgres.log" >&2 || true
			kill -KILL "$launcher" 2>/dev/null || true
			exit 1
		fi
		sleep 0.2
	done
	# The postmaster's own PID, from its lock file (the launcher may be a
	# runuser parent).
	pid=$(head -n 1 "$dir/data/postmaster.pid")
	echo "$pid" >"$dir/postgres.pid"
	echo "$port"
}

cmd_stop() {
	local dir=${1:-}
	[[ -n $dir ]] || die "usage: postgres.sh stop DIR"
	local pid i
	pid=$(cat "$dir/postgres.pid" 2>/dev/null) || { echo "postgres.sh: no server pid in $dir" >&2; return 0; }
	if kill -0 "$pid" 2>/dev/null; then
		kill -INT "$pid" 2>/dev/null || true
		for ((i = 0; i < 200; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "postgres.sh: server $pid ignored SIGINT for 20s; SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null || true
			while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
		fi
	fi
	rm -f "$dir/postgres.pid"
}

case ${1:-} in
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
restart) shift; cmd_stop "$@"; cmd_start "$@" ;;
*) echo "usage: $0 start DIR | stop DIR | restart DIR" >&2; exit 2 ;;
esac
