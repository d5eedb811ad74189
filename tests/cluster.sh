#!/usr/bin/env bash
# tests/cluster.sh - a sweep as a Slurm job array on a single-node Slurm started here.
#
# `make check-cluster` runs this. It starts munged, slurmctld and slurmd (Debian's munge and
# slurm-wlm) as the current user with every file under a temporary directory and
# unusual ports on localhost, submits `skbsim sweep --emit slurm`'s job array with
# sbatch --wait, collects it, and compares the CSVs with a local sweep's: they must be
# byte-identical. It stops only the daemons it started. When the packages are missing
# and cannot be installed, or a daemon does not come up, it says why and exits 0
# (skipped), so the target is safe where Slurm cannot run.
set -u
cd "$(dirname "$0")/.."
bin=$PWD/skbsim
sc=tests/data/sweep-tiny.yaml
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
skip() {
	echo "cluster: SKIPPED: $*"
	echo "cluster: 0 passed, 0 failed, 1 skipped"
	exit 0
}

need="munged slurmctld slurmd sbatch sinfo"
missing() { for c in $need; do command -v "$c" >/dev/null 2>&1 || return 0; done; return 1; }
if missing && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "cluster: installing munge and slurm-wlm"
	apt-get update -qq >/dev/null 2>&1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq munge slurm-wlm >/dev/null 2>&1
fi
missing && skip "munge and slurm-wlm are not installed (apt-get install munge slurm-wlm)"

user=$(id -un)
host=$(hostname -s)
cpus=$(nproc)
base=$((20000 + $$ % 20000))
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/log"
chmod 755 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$tmp/munge/munge.key"
sock="$tmp/munge/munge.socket"
munged --key-file="$tmp/munge/munge.key" --socket="$sock" --pid-file="$tmp/munge/munged.pid" \
	--log-file="$tmp/log/munged.log" --seed-file="$tmp/munge/seed" --force -F 2>>"$tmp/log/munged.log" &
pids+=($!)
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || skip "munged did not start: $(tail -1 "$tmp/log/munged.log" 2>/dev/null)"

cat >"$tmp/slurm.conf" <<CONF
ClusterName=skbsim-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$user
SlurmdUser=$user
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=10 State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"
slurmctld -D -i >/dev/null 2>&1 &
pids+=($!)
slurmd -D -N "$host" >/dev/null 2>&1 &
pids+=($!)
up=0
for _ in $(seq 100); do
	if sinfo -h -o %T 2>/dev/null | grep -qx idle; then up=1; break; fi
	sleep 0.2
done
[ "$up" = 1 ] || skip "slurmctld/slurmd did not bring the node up: $(tail -1 "$tmp/log/slurmctld.log" 2>/dev/null) / $(tail -1 "$tmp/log/slurmd.log" 2>/dev/null)"

pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
v1=hosts/rx/sockets/srv/rcvbuf=32KiB..128KiB*2
v2=hosts/rx/apps/reader/cpu=0,1
$bin sweep $sc --vary $v1 --vary $v2 --seeds 2 -j 2 -o "$tmp/local" >/dev/null && ok || bad "local sweep"
$bin sweep $sc --vary $v1 --vary $v2 --seeds 2 -o "$tmp/slurm" --emit slurm >/dev/null && ok ||
	bad "--emit slurm"
if timeout 300 sbatch --wait --quiet "$tmp/slurm/sweep.sbatch" >/dev/null 2>"$tmp/sbatch.err"; then
	ok
else
	bad "sbatch --wait: $(head -1 "$tmp/sbatch.err")"
fi
[ "$(ls "$tmp/slurm"/slurm-*.out 2>/dev/null | wc -l)" = 12 ] && ok ||
	bad "expected 12 array task outputs"
$bin collect "$tmp/slurm" >/dev/null && cmp -s "$tmp/local/sweep.csv" "$tmp/slurm/sweep.csv" &&
	cmp -s "$tmp/local/summary.csv" "$tmp/slurm/summary.csv" && ok ||
	bad "Slurm array + collect: CSVs differ from the local sweep's"
echo "cluster: $pass passed, $fail failed"
[ "$fail" = 0 ]
