#!/usr/bin/env bash
# tests/run-shards.sh N BINARY - run the unit suites in N shards at once (BINARY
# --shard=I/N, from tests/), then print each shard's output in order; fails when
# any shard fails. N=1 runs BINARY alone, as before sharding existed.
set -u
n=$1
bin=$2
if [ "$n" -le 1 ]; then
	exec "$bin"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pids=()
for i in $(seq 0 $((n - 1))); do
	"$bin" --shard="$i/$n" >"$tmp/$i.out" 2>&1 &
	pids+=($!)
done
rc=0
for i in $(seq 0 $((n - 1))); do
	wait "${pids[$i]}" || rc=1
	echo "--- shard $i/$n"
	cat "$tmp/$i.out"
done
[ "$rc" = 0 ] || echo "run-shards: a shard failed" >&2
exit "$rc"
