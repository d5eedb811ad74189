#!/usr/bin/env bash
# tests/same-results.sh REV [SKBSIM] - check that an optimisation changed no
# result: builds REV (a commit, default HEAD) from `git archive` in a temporary
# directory, runs every scenarios/*.yaml and scenarios/bench/*.yaml with that
# binary and with SKBSIM (default ./skbsim, the working tree's build) and
# compares every file each run writes (report.json, report.txt, the per-host
# counter files) with cmp. Exit status 0 when all are byte-identical. A
# scenario that REV's binary does not accept (it uses a feature REV lacks) is
# listed as new and skipped.
set -eu
cd "$(dirname "$0")/.."
rev=${1:-HEAD}
new=${2:-./skbsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git archive "$rev" | tar -x -C "$tmp" -f - || { echo "same-results: cannot export '$rev'"; exit 2; }
make -s -C "$tmp" -j2 skbsim >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 2; }
old="$tmp/skbsim"
fail=0
for s in scenarios/*.yaml scenarios/bench/*.yaml; do
	n=$(basename "$(dirname "$s")")-$(basename "$s" .yaml)
	# a scenario REV's binary rejects is new (a feature REV lacks): nothing to compare
	if ! "$old" check "$s" >/dev/null 2>&1; then
		echo "new: $s (not accepted by $rev)"
		continue
	fi
	"$old" run "$s" --quiet -o "$tmp/old/$n" >/dev/null
	"$new" run "$s" --quiet -o "$tmp/new/$n" >/dev/null
	if diff -r -q "$tmp/old/$n" "$tmp/new/$n" >/dev/null; then
		echo "same: $s"
	else
		echo "DIFFERENT: $s"
		diff -r -q "$tmp/old/$n" "$tmp/new/$n" || true
		fail=1
	fi
done
[ "$fail" = 0 ] && echo "same-results: all identical to $rev" || echo "same-results: RESULTS CHANGED"
exit "$fail"
