#!/usr/bin/env bash
# A throwaway Mosquitto broker for the e2e tests and benchmarks.
#
#   scripts/mosquitto.sh start DIR    writes DIR/mosquitto.conf (first time)
#                                     and starts the broker; prints the port
#                                     (also in DIR/port). Again after stop:
#                                     the same port and persistent state
#   scripts/mosquitto.sh stop DIR     SIGTERM (the broker saves its state),
#                                     SIGKILL after 20 s
#   scripts/mosquitto.sh kill DIR     SIGKILL: what was not saved is lost
#   scripts/mosquitto.sh restart DIR  stop, then start
#
# The broker listens on 127.0.0.1 only, allows anonymous clients (unless
# MOSQUITTO_PASSWORDS names a password file), keeps sessions and queued
# messages on disk (persistence, saved every second and at exit), and has
# the limits that silently drop messages raised: max_queued_messages (the
# default 1,000 drops an offline session's backlog past it) and
# max_queued_bytes unlimited; max_inflight_messages (MQTT 3.1.1's window)
# MOSQUITTO_INFLIGHT (default 1000).
set -euo pipefail

die() { echo "mosquitto.sh: $*" >&2; exit 1; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

alive() {
	local pid
	pid=$(cat "$1/mosquitto.pid" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null
}

bin() {
	command -v mosquitto 2>/dev/null && return
	[[ -x /usr/sbin/mosquitto ]] && { echo /usr/sbin/mosquitto; return; }
	die "mosquitto not found (run scripts/install-deps.sh)"
}

cmd_start() {
	local dir=${1:-} port
	[[ -n $dir ]] || die "usage: mosquitto.sh start DIR"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	alive "$dir" && die "a broker already runs from $dir (pid $(cat "$dir/mosquitto.pid"))"
	if [[ ! -f $dir/mosquitto.conf ]]; then
		port=$(free_port)
		echo "$port" >"$dir/port"
		{
			echo "listener $port 127.0.0.1"
			echo "user root"
			if [[ -n ${MOSQUITTO_PASSWORDS:-} ]]; then
				echo "allow_anonymous false"
				echo "password_file $MOSQUITTO_PASSWORDS"
			else
				echo "allow_anonymous true"
			fi
			echo "persistence true"
			echo "persistence_location $dir/"
			echo "autosave_interval 1"
			echo "max_queued_messages 0"
			echo "max_queued_bytes 0"
			echo "max_inflight_messages ${MOSQUITTO_INFLIGHT:-1000}"
			echo "persistent_client_expiration 1d"
			echo "log_dest file $dir/mosquitto.log"
			echo "log_type error"
			echo "log_type warning"
			echo "log_type notice"
		} >"$dir/mosquitto.conf"
	fi
	port=$(cat "$dir/port")
	"$(bin)" -c "$dir/mosquitto.conf" >>"$dir/stderr.log" 2>&1 &
	echo $! >"$dir/mosquitto.pid"
	local i
	for ((i = 0; i < 200; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { echo "$port"; return 0; }
		alive "$dir" || { cat "$dir/stderr.log" "$dir/mosquitto.log" >&2 2>/dev/null; die "mosquitto exited at start"; }
		sleep 0.05
	done
	die "mosquitto did not listen on $port within 10 s"
}

cmd_stop() {
	local dir=${1:-} sig=${2:-TERM} pid i
	[[ -n $dir ]] || die "usage: mosquitto.sh stop DIR"
	pid=$(cat "$dir/mosquitto.pid" 2>/dev/null) || return 0
	kill -"$sig" "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 400; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
}

case ${1:-} in
start) cmd_start "${2:-}" ;;
stop) cmd_stop "${2:-}" TERM ;;
kill) cmd_stop "${2:-}" KILL ;;
restart) cmd_stop "${2:-}" TERM; cmd_start "${2:-}" ;;
*) die "usage: mosquitto.sh start|stop|kill|restart DIR" ;;
esac
