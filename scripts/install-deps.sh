#!/usr/bin/env bash
# Installs what building and testing sluice needs on Debian/Ubuntu.
# Idempotent and quick when everything is present: apt runs only for what
# dpkg reports missing. Java and Maven (for the e2e Kafka broker) are
# installed only when `java` / `mvn` are not on PATH.
set -euo pipefail

pkgs=(build-essential cmake pkg-config librdkafka-dev libjansson-dev libconfig-dev
      libcunit1-dev libmicrohttpd-dev libpcre2-dev libcurl4-openssl-dev libssl-dev libpq-dev postgresql postgresql-client kcat clang-format
      valgrind mosquitto mosquitto-clients
      jq python3 chromium)
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v java >/dev/null 2>&1 || pkgs+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || pkgs+=(maven)

missing=()
for p in "${pkgs[@]}"; do
	# "install ok installed" only; a removed-but-configured package is missing.
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $st == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	echo "install-deps: all ${#pkgs[@]} packages present"
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=()
if ((EUID != 0)); then
	command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo" >&2; exit 1; }
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
