#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for testing `zalando-train sweep --slurm` for real.
#
#   scripts/slurm-local.sh start    # prints `export SLURM_CONF=…`; sbatch/squeue/sinfo need it
#   scripts/slurm-local.sh stop
#
# Needs root and Debian's slurm-wlm and munge (`apt-get install --no-install-recommends
# slurm-wlm munge`). Everything lives in $ZT_SLURM_DIR (default /tmp/zt-slurm): the config, the
# state, the logs and the pid files the daemons are stopped by. The config avoids what does not
# work in a container: process tracking by cgroup (jobs "complete" with no output and the node
# drains), task affinity, accounting. munged is started only if none runs, and then stopped too.
set -euo pipefail
dir="${ZT_SLURM_DIR:-/tmp/zt-slurm}"
conf="$dir/slurm.conf"

die() { echo "slurm-local: $*" >&2; exit 1; }

start() {
    command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null ||
        die "slurm-wlm and munge are not installed (apt-get install --no-install-recommends slurm-wlm munge)"
    [ "$(id -u)" = 0 ] || die "needs root (the daemons run as root here)"
    if [ -f "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
        echo "export SLURM_CONF=$conf"; return 0
    fi
    mkdir -p "$dir/state" "$dir/spool"
    local host node
    host="$(hostname -s)"
    # slurmd -C describes this machine: NodeName=… CPUs=… RealMemory=…
    node="$(slurmd -C | head -n 1 | sed "s/^NodeName=[^ ]*/NodeName=$host/")"
    cat > "$conf" <<EOF
ClusterName=zt-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MaxArraySize=1001
$node State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    # munge: its socket folder is not created in a container, so make it by hand. Whether one
    # runs is asked of munge itself, not of pgrep: a container's pid 1 may reap late, and a
    # munged just stopped lingers as a zombie that pgrep still lists (CI then started a cluster
    # with no munge, and every sinfo waited out its timeouts).
    if ! munge_works; then
        mkdir -p /run/munge && chown munge:munge /run/munge && chmod 755 /run/munge
        runuser -u munge -- munged </dev/null >/dev/null 2>&1
        touch "$dir/started-munged"
        munge_works || die "munged did not start or does not answer (munge -n | unmunge fails)"
    fi
    # The daemons get no terminal and no pipe of ours: a caller reading our output to its end
    # (a test) would otherwise wait for them forever.
    slurmctld -f "$conf" </dev/null >/dev/null 2>&1 || die "slurmctld did not start; see $dir/slurmctld.log"
    slurmd -f "$conf" </dev/null >/dev/null 2>&1 || die "slurmd did not start; see $dir/slurmd.log"
    # Both daemons must be ours and alive (another cluster on these ports makes ours exit).
    sleep 0.5
    for daemon in slurmctld slurmd; do
        [ -f "$dir/$daemon.pid" ] && kill -0 "$(cat "$dir/$daemon.pid")" 2>/dev/null ||
            { stop; die "$daemon exited (another Slurm on this machine?); see $dir/$daemon.log"; }
    done
    export SLURM_CONF="$conf"
    # 30 s of wall-clock time, each sinfo bounded: an unanswering controller makes one sinfo
    # wait out its message timeouts, so a count of tries alone is no bound.
    local deadline=$((SECONDS + 30))
    while [ "$SECONDS" -lt "$deadline" ]; do
        state="$(timeout 5 sinfo -h -o %t 2>/dev/null || true)"
        case "$state" in idle*|mix*|alloc*) echo "export SLURM_CONF=$conf"; return 0 ;; esac
        sleep 0.5
    done
    die "the node did not become idle in 30 s (state '${state:-none}'); see $dir/slurmctld.log and $dir/slurmd.log"
}

# munge_works: a credential made by the running munged decodes (within 5 s).
munge_works() { timeout 5 sh -c 'munge -n </dev/null | unmunge' >/dev/null 2>&1; }

# alive PID: the process exists and is not a zombie (a container's pid 1 may never reap it).
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat")" != Z ]; }

# end PIDFILE: SIGTERM, up to 5 s to exit, then SIGKILL.
end() {
    [ -f "$1" ] || return 0
    local pid
    pid="$(cat "$1")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
    rm -f "$1"
}

stop() {
    end "$dir/slurmd.pid"
    end "$dir/slurmctld.pid"
    if [ -f "$dir/started-munged" ]; then
        end /run/munge/munged.pid
        rm -f "$dir/started-munged"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 64 ;;
esac
