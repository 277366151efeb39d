#!/usr/bin/env bash
# Regenerates the option tables in docs/ from the option tables in the code.
# A docs page marks a generated block with
#   <!-- BEGIN GENERATED: sluice plugins --markdown NAME -->
#   ...
#   <!-- END GENERATED -->
# (or --markdown-transform NAME: one transform or predicate, by its simple
# name) and everything between the markers is replaced by that command's
# output.
#   scripts/gen-docs.sh          rewrite docs/ in place
#   scripts/gen-docs.sh --check  exit 1 (and show the diff) when docs/ is stale
set -euo pipefail
cd "$(dirname "$0")/.."
sluice=${SLUICE:-build/sluice}
[ -x "$sluice" ] || { echo "gen-docs: $sluice not built" >&2; exit 2; }

regen() { # file -> stdout
	local line flag name
	while IFS= read -r line || [ -n "$line" ]; do
		if [[ $line =~ ^'<!-- BEGIN GENERATED: sluice plugins '(--markdown|--markdown-transform)' '([A-Za-z-]+)' -->'$ ]]; then
			flag=${BASH_REMATCH[1]}
			name=${BASH_REMATCH[2]}
			printf '%s\n' "$line"
			"$sluice" plugins "$flag" "$name"
			while IFS= read -r line && [ "$line" != '<!-- END GENERATED -->' ]; do :; done
			printf '%s\n' '<!-- END GENERATED -->'
		else
			printf '%s\n' "$line"
		fi
	done <"$1"
}

stale=0
for f in docs/*.md docs/connectors/*.md; do
	[ -f "$f" ] || continue
	grep -q '<!-- BEGIN GENERATED' "$f" || continue
	tmp=$(mktemp)
	regen "$f" >"$tmp"
	if [ "${1:-}" = "--check" ]; then
		if ! diff -u "$f" "$tmp"; then
			echo "gen-docs: $f is stale: run scripts/gen-docs.sh" >&2
			stale=1
		fi
		rm -f "$tmp"
	else
		cat "$tmp" >"$f"
		rm -f "$tmp"
	fi
done
exit $stale
