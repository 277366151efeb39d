#!/usr/bin/env bash
# End-to-end test of the status page (GET /ui) in headless Chromium: a
# worker with the REST listener on a free loopback port runs a file-source
# and a file-sink on one real Kafka broker (lines keep coming, so there is
# throughput); the page shows both with their tasks RUNNING, Pause turns
# the connector PAUSED on the page and in GET /connectors/{name}/status,
# Resume turns it back, Restart and Stop do what they say, a connector
# named with markup in it is shown as text and runs none of it, the page
# refreshes every 2 s only while visible, fits a phone, has a dark theme,
# and reports a worker that went away. Screenshots (desktop, phone, phone
# dark) are saved and their paths printed.
#
# UI_MOCK=1 runs the browser half against tests/e2e/ui_mock_server.py (the
# few Kafka Connect endpoints the page calls) instead of Kafka and sluice:
# a quick loop while working on the page. UI_CONNECT=1 runs it against a
# real Kafka Connect (scripts/connect.sh) with the same connectors made
# over REST, the page served beside it by ui_mock_server.py --upstream:
# the page speaks Kafka Connect's API, not only sluice's. UI_SHOTS sets
# where the screenshots go (default ${TMPDIR:-/tmp}/sluice-ui).
source "$(dirname "$0")/lib.sh"

HERE=$E2E_ROOT/tests/e2e
MODE=sluice
((${UI_MOCK:-0})) && MODE=mock
((${UI_CONNECT:-0})) && MODE=connect
CONNECT_SH=$E2E_ROOT/scripts/connect.sh
CONNECT_DIR=$E2E_TMP/connect
SHOTS=${UI_SHOTS:-${TMPDIR:-/tmp}/sluice-ui}
SRC=ui-source
SINK=ui-sink
# Markup in a name: an element with an event handler runs when parsed as
# HTML (a <script> inserted that way does not, so both are here).
EVIL='ui <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'

# Chromium comes from Debian (no browser download); installed here as
# scripts/install-deps.sh installs packages.
CHROMIUM=${CHROMIUM:-}
find_chromium()
{
	local c
	for c in /usr/lib/chromium/chromium "$(command -v chromium 2>/dev/null)" \
		"$(command -v chromium-browser 2>/dev/null)"; do
		[[ -n $c && -x $c ]] && { echo "$c"; return 0; }
	done
	return 1
}
if [[ -z $CHROMIUM ]] && ! CHROMIUM=$(find_chromium); then
	sudo=()
	((EUID != 0)) && command -v sudo >/dev/null 2>&1 && sudo=(sudo)
	log "installing chromium (Debian package)"
	apt_chromium()
	{
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q \
			--no-install-recommends chromium >>"$E2E_TMP/apt.log" 2>&1
	}
	# Stale package lists on a fresh machine: update once and try again.
	apt_chromium || { "${sudo[@]}" apt-get update -q >>"$E2E_TMP/apt.log" 2>&1 && apt_chromium; }
	CHROMIUM=$(find_chromium) || {
		fail "chromium is missing and could not be installed (apt-get install chromium)"
		e2e_finish
	}
fi
need node jq curl python3

# ---- the worker (or the mock) ----

# Kafka Connect is stopped with everything else, pass or fail.
eval "lib_$(declare -f e2e_stop_all)"
e2e_stop_all()
{
	[[ -f $CONNECT_DIR/connect.pid ]] && "$CONNECT_SH" stop "$CONNECT_DIR" >/dev/null 2>&1
	lib_e2e_stop_all
}

# start_mock ARGS...: the mock API (ARGS: the source connectors' names, or
# --upstream URL) on a port of its own choosing; sets PORT.
start_mock()
{
	python3 "$HERE/ui_mock_server.py" "$E2E_ROOT/core/ui/status.html" "$E2E_TMP/mock.port" \
		"$@" >"$E2E_TMP/mock.log" 2>&1 &
	MOCK_PID=$!
	E2E_PIDS+=("$MOCK_PID")
	wait_for 10 test -s "$E2E_TMP/mock.port" || return 1
	PORT=$(cat "$E2E_TMP/mock.port")
}

# start_sluice: Kafka, then a worker with the REST listener and three
# connectors; a writer appends a line to the source's file every 50 ms.
start_sluice()
{
	local d=$E2E_TMP
	if [[ ! -x $SLUICE ]]; then
		fail "sluice binary $SLUICE is missing (build first)"
		e2e_finish
	fi
	start_kafka || return 1
	PORT=$(free_port)
	worker_conf "$d/worker.properties" "$d/offsets"
	echo "listeners=http://127.0.0.1:$PORT" >>"$d/worker.properties"
	gen_lines "$d/in.txt" 1000
	: >"$d/evil.txt"
	props "$d/source.properties" "name=$SRC" "connector.class=file-source" "tasks.max=1" \
		"file=$d/in.txt" "topic=ui-e2e" "topic.creation.default.partitions=1" \
		"topic.creation.default.replication.factor=1"
	props "$d/sink.properties" "name=$SINK" "connector.class=file-sink" "tasks.max=1" \
		"topics=ui-e2e" "file=$d/out.txt"
	props "$d/evil.properties" "name=$EVIL" "connector.class=file-source" "tasks.max=1" \
		"file=$d/evil.txt" "topic=ui-e2e-evil" "topic.creation.default.partitions=1" \
		"topic.creation.default.replication.factor=1"
	start_worker w "$d/worker.properties" "$d/source.properties" "$d/sink.properties" \
		"$d/evil.properties"
	(
		i=0
		while :; do
			i=$((i + 1))
			echo "more-$i" >>"$d/in.txt"
			sleep 0.05
		done
	) &
	E2E_PIDS+=("$!")
	wait_rest 60
}

# wait_rest SECONDS: until GET /connectors answers 200; gives up at once
# when the worker died.
wait_rest()
{
	local deadline=$((SECONDS + $1))
	until curl -fs -o /dev/null "http://127.0.0.1:$PORT/connectors"; do
		if ! worker_alive w; then
			echo "the worker exited before its REST API answered" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			echo "no answer from http://127.0.0.1:$PORT/connectors in $1 s" >&2
			return 1
		fi
		sleep 0.2
	done
}

# post_connector URL NAME CONFIG_JSON: POST /connectors.
post_connector()
{
	curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' "$1/connectors" \
		-d "$(jq -nc --arg n "$2" --argjson c "$3" '{name: $n, config: $c}')"
}

# start_connect: Kafka, Kafka Connect with the same three connectors (made
# over REST, Kafka Connect's class names), and the page beside it.
start_connect()
{
	local d=$E2E_TMP url src=org.apache.kafka.connect.file.FileStreamSourceConnector
	start_kafka || return 1
	url=$(nice -n 10 "$CONNECT_SH" start "$CONNECT_DIR" "$BOOTSTRAP") || return 1
	log "Kafka Connect at $url"
	gen_lines "$d/in.txt" 1000
	: >"$d/evil.txt"
	post_connector "$url" "$SRC" "$(jq -nc --arg f "$d/in.txt" --arg c "$src" \
		'{"connector.class": $c, "tasks.max": "1", file: $f, topic: "ui-e2e"}')" &&
		post_connector "$url" "$SINK" "$(jq -nc --arg f "$d/out.txt" \
			'{"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
			  "tasks.max": "1", file: $f, topics: "ui-e2e"}')" &&
		post_connector "$url" "$EVIL" "$(jq -nc --arg f "$d/evil.txt" --arg c "$src" \
			'{"connector.class": $c, "tasks.max": "1", file: $f, topic: "ui-e2e-evil"}')" &&
		start_mock --upstream "$url"
}

# rest_state NAME: the connector's state and its tasks' in
# GET /connectors/{name}/status, e.g. "PAUSED PAUSED".
rest_state()
{
	curl -fsS "http://127.0.0.1:$PORT/connectors/$(jq -rn --arg n "$1" '$n|@uri')/status" |
		jq -r '[.connector.state] + [.tasks[].state] | join(" ")'
}

# rest_state_is NAME WANT
rest_state_is()
{
	local got
	got=$(rest_state "$1")
	[[ $got == "$2" ]] || {
		echo "GET /connectors/$1/status: '$got', want '$2'" >&2
		return 1
	}
}

# rest_connector_is NAME WANT: the connector's own state (a stopped
# connector's tasks are gone, not STOPPED).
rest_connector_is()
{
	local got
	got=$(rest_state "$1")
	[[ ${got%% *} == "$2" ]] || {
		echo "GET /connectors/$1/status: '$got', want the connector $2" >&2
		return 1
	}
}

# ---- the browser ----

# ui JSON: sends one command to the driver; its answer is in UI_ANSWER
# and its value in UI_VALUE. Fails when the driver says it failed.
ui()
{
	UI_ANSWER='' UI_VALUE=''
	[[ -n ${UI[1]:-} ]] || {
		echo "ui: the driver is gone (see $E2E_TMP/driver.log)" >&2
		return 1
	}
	printf '%s\n' "$1" >&"${UI[1]}" 2>/dev/null &&
		IFS= read -r -t 90 UI_ANSWER <&"${UI[0]}" || {
		echo "ui: no answer from the driver to $1" >&2
		return 1
	}
	UI_VALUE=$(jq -c .value <<<"$UI_ANSWER")
	[[ $(jq -r .ok <<<"$UI_ANSWER") == true ]] || {
		echo "ui: $1: $(jq -r .error <<<"$UI_ANSWER")" >&2
		return 1
	}
}

# ui_wait NAME STATE [TASK_STATE] [TIMEOUT]: until the page shows it.
ui_wait()
{
	ui "$(jq -nc --arg n "$1" --arg s "$2" --arg t "${3:-}" --argjson to "${4:-20}" \
		'{cmd: "wait_connector", name: $n, state: $s, task_state: $t, timeout: $to}')"
}

ui_click()
{
	ui "$(jq -nc --arg n "$1" --arg a "$2" '{cmd: "click", name: $n, action: $a}')"
}

# ui_true JS_EXPRESSION: the expression is true in the page.
ui_true()
{
	ui "$(jq -nc --arg e "$1" '{cmd: "eval", expr: $e}')" && [[ $UI_VALUE == true ]]
}

# ui_poll SECONDS JS_EXPRESSION: until the expression is true in the page.
ui_poll()
{
	local t=$1
	shift
	ui "$(jq -nc --arg e "$1" --argjson t "$t" '{cmd: "poll", expr: $e, timeout: $t}')" &&
		[[ $UI_VALUE == true ]]
}

start_driver()
{
	coproc UI { exec node "$HERE/ui_driver.mjs" "$CHROMIUM" "$E2E_TMP/chromium-profile" \
		2>>"$E2E_TMP/driver.log"; }
	DRIVER_PID=$UI_PID # bash forgets UI_PID once the coprocess ends
	E2E_PIDS+=("$DRIVER_PID")
	IFS= read -r -t 60 UI_ANSWER <&"${UI[0]}" && [[ $(jq -r .ok <<<"$UI_ANSWER") == true ]]
}

# jv FILTER: the last answer's value passes the jq test FILTER.
jv()
{
	jq -e "$@" >/dev/null <<<"$UI_VALUE"
}

png()
{
	[[ -s $1 && $(head -c 8 "$1" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]]
}

# ---- the test ----

if [[ $MODE == mock ]]; then
	log "mock API (UI_MOCK=1)"
	start_mock "$SRC" "$EVIL" || {
		fail "start the mock API"
		e2e_finish
	}
elif [[ $MODE == connect ]]; then
	start_connect || {
		fail "start Kafka Connect with three connectors and the page beside it"
		e2e_finish
	}
else
	start_sluice || {
		fail "the worker answers GET /connectors on 127.0.0.1:$PORT"
		e2e_finish
	}
fi
URL=http://127.0.0.1:$PORT/ui
log "page at $URL"
check "GET /ui is an HTML page" bash -c "curl -fsS -D - -o '$E2E_TMP/ui.html' '$URL' |
	grep -qi '^content-type: text/html' && grep -q '<!doctype html>' '$E2E_TMP/ui.html'"

start_driver || {
	fail "start headless chromium ($CHROMIUM)"
	e2e_finish
}
check "the page loads in chromium" ui "$(jq -nc --arg u "$URL" '{cmd: "open", url: $u}')"

check "$SRC and its task are RUNNING on the page" ui_wait "$SRC" RUNNING RUNNING
check "the page shows $SRC's type and class" \
	jv '.type == "source" and (.class | test("file|File"))'
if [[ $MODE != mock ]]; then
	check "$SINK and its task are RUNNING on the page" ui_wait "$SINK" RUNNING RUNNING
fi

check "Pause is a button named for its connector" ui_true \
	"document.querySelector('#connectors button[data-action=pause]').getAttribute('aria-label').startsWith('Pause connector ')"
check "click Pause on $SRC" ui_click "$SRC" pause
check "the page shows $SRC and its task PAUSED" ui_wait "$SRC" PAUSED PAUSED
check "GET /connectors/$SRC/status says PAUSED" rest_state_is "$SRC" "PAUSED PAUSED"
check "Pause is disabled and Resume enabled while PAUSED" \
	jv '.buttons.pause.disabled and (.buttons.resume.disabled | not)'

check "click Resume on $SRC" ui_click "$SRC" resume
check "the page shows $SRC and its task RUNNING again" ui_wait "$SRC" RUNNING RUNNING
check "GET /connectors/$SRC/status says RUNNING" rest_state_is "$SRC" "RUNNING RUNNING"

check "click Restart on $SRC" ui_click "$SRC" restart
check "the card says the restart was requested" ui_poll 10 \
	"[...document.querySelectorAll('#connectors > li')].some((li) => li.dataset.connector === '$SRC' && /^Restart: requested/.test(li.querySelector('.message').textContent))"
check "$SRC and its task are RUNNING after the restart" ui_wait "$SRC" RUNNING RUNNING
check "click Stop on $SRC" ui_click "$SRC" stop
check "the page shows $SRC STOPPED" ui_wait "$SRC" STOPPED
check "GET /connectors/$SRC/status says STOPPED" rest_connector_is "$SRC" STOPPED
check "click Resume on the stopped $SRC" ui_click "$SRC" resume
check "$SRC and its task are RUNNING after the stop" ui_wait "$SRC" RUNNING RUNNING

check "a name with markup is on the page" ui_wait "$EVIL" RUNNING
check "the name is shown as text, exactly" jv --arg n "$EVIL" '.name == $n'
check "no element came from the name and none of it ran" ui_true \
	"document.querySelectorAll('#connectors img, #connectors script').length === 0 && window.__pwned === undefined"

# Throughput needs two scrapes of /metrics 2 s apart while lines come in.
# Kafka Connect has no /metrics: the cards say so.
RATE_RE='/[1-9][0-9.,]* records\/s/'
LAG_RE='/^[0-9.,]+ records$/'
if [[ $MODE == connect ]]; then
	RATE_RE='/^not served/'
	LAG_RE='/^not served/'
fi
SINK_WITH_LAG=$SINK
[[ $MODE == mock ]] && SINK_WITH_LAG=mock-sink
check "the page shows $SRC's throughput" ui_poll 15 \
	"[...document.querySelectorAll('#connectors > li')].some((li) => li.dataset.connector === '$SRC' && $RATE_RE.test(li.querySelector('.rate').textContent))"
check "the page shows $SINK_WITH_LAG's lag" ui_poll 10 \
	"[...document.querySelectorAll('#connectors > li')].some((li) => li.dataset.connector === '$SINK_WITH_LAG' && $LAG_RE.test(li.querySelector('.lag').textContent))"
if [[ $MODE == mock ]]; then
	check "a failed task's trace is on the page" ui_true \
		"[...document.querySelectorAll('#connectors pre')].some((p) => p.textContent.includes('ConnectException'))"
	check "click Restart on mock-sink (the mock refuses it)" ui_click mock-sink restart
	check "the refusal's status and message are shown on its card" ui_poll 10 \
		"[...document.querySelectorAll('#connectors > li')].some((li) => li.dataset.connector === 'mock-sink' && /409.*conflicting/.test(li.querySelector('.message.error').textContent))"
fi

# Live refresh: requests every 2 s while the tab is visible, none while it
# is hidden, one at once when it shows again. Visibility is faked in the
# page (document.hidden and its event), the requests counted at fetch.
COUNT_FETCHES='window.__fetches = 0; if (!window.__realFetch) { window.__realFetch = window.fetch;
	window.fetch = (...a) => { window.__fetches++; return window.__realFetch(...a); }; }'
SET_HIDDEN='Object.defineProperty(document, "hidden", { value: %s, configurable: true });
	document.dispatchEvent(new Event("visibilitychange"));'
AFTER='new Promise((ok) => setTimeout(() => ok(window.__fetches), %d))'
# shellcheck disable=SC2059
{
	ui "$(jq -nc --arg e "$COUNT_FETCHES $(printf "$AFTER" 6500)" '{cmd: "eval", expr: $e}')"
	VISIBLE_FETCHES=$UI_VALUE
	ui "$(jq -nc --arg e "$(printf "$SET_HIDDEN" true) $(printf "$AFTER" 500)" '{cmd: "eval", expr: $e}')"
	ui "$(jq -nc --arg e "$COUNT_FETCHES $(printf "$AFTER" 5000)" '{cmd: "eval", expr: $e}')"
	HIDDEN_FETCHES=$UI_VALUE
	ui "$(jq -nc --arg e "$COUNT_FETCHES $(printf "$SET_HIDDEN" false) $(printf "$AFTER" 500)" \
		'{cmd: "eval", expr: $e}')"
	SHOWN_FETCHES=$UI_VALUE
}
log "requests: $VISIBLE_FETCHES in 6.5 s visible, $HIDDEN_FETCHES in 5 s hidden, $SHOWN_FETCHES in 0.5 s after showing"
check "a visible page refreshes every 2 s (/metrics and /connectors)" \
	test "${VISIBLE_FETCHES:-0}" -ge 4
check "a hidden page sends no request" test "${HIDDEN_FETCHES:-1}" -eq 0
check "a page shown again refreshes at once" test "${SHOWN_FETCHES:-0}" -ge 2

mkdir -p "$SHOTS"
check "screenshot (desktop)" ui "$(jq -nc --arg p "$SHOTS/ui.png" '{cmd: "screenshot", path: $p}')"
check "the desktop screenshot is a PNG" png "$SHOTS/ui.png"
ui '{"cmd": "viewport", "width": 390, "height": 844, "mobile": true}' >/dev/null
check "on a phone the cards fit the screen width" ui_poll 5 \
	"document.documentElement.scrollWidth <= window.innerWidth"
check "screenshot (phone)" ui "$(jq -nc --arg p "$SHOTS/ui-phone.png" '{cmd: "screenshot", path: $p}')"
BG='getComputedStyle(document.body).backgroundColor'
ui "$(jq -nc --arg e "$BG" '{cmd: "eval", expr: $e}')" && LIGHT_BG=$UI_VALUE
ui '{"cmd": "color_scheme", "scheme": "dark"}' >/dev/null
check "prefers-color-scheme: dark darkens the page" ui_true \
	"$BG !== $LIGHT_BG && $BG.match(/\\d+/g).slice(0, 3).every((c) => +c < 64)"
check "screenshot (phone, dark)" ui "$(jq -nc --arg p "$SHOTS/ui-phone-dark.png" '{cmd: "screenshot", path: $p}')"
log "screenshots: $SHOTS/ui.png $SHOTS/ui-phone.png $SHOTS/ui-phone-dark.png"

# The worker goes away: the page says so instead of showing old data as new.
if [[ $MODE != sluice ]]; then
	kill -TERM "$MOCK_PID" && wait "$MOCK_PID" 2>/dev/null
	forget_pid "$MOCK_PID"
else
	check "the worker exits 0 on SIGTERM" stop_worker w
fi
check "the page reports the unreachable worker" ui_poll 15 \
	"/Listing connectors: .*unreachable/.test(document.getElementById('errors').textContent) && document.getElementById('main').classList.contains('stale')"

ui '{"cmd": "errors"}' >/dev/null
check "no script error in the page" jv 'length == 0'
ui '{"cmd": "quit"}' >/dev/null
wait "$DRIVER_PID" 2>/dev/null
forget_pid "$DRIVER_PID"
e2e_finish
