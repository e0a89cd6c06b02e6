# tests/e2e/slurm_lib.sh: a one-node Slurm of its own, in a directory of the
# test's, for tests/e2e/t_slurm.sh. Source after lib.sh. Needs root (slurmd
# runs jobs as root; munged runs as the munge user).
#
#   slurm_start DIR   writes DIR/slurm.conf (this host, free ports, state and
#                     spool in DIR, no cgroups), starts munged (own key and
#                     socket in DIR), slurmctld and slurmd, waits until the
#                     node is idle; exports SLURM_CONF. Returns 1 on failure.
#   slurm_stop        cancels the jobs, stops the daemons it started (by pid)
#   slurm_state ID    the job's state (PENDING, RUNNING, COMPLETED, ...)
#   slurm_wait ID S   wait up to S seconds for the job to end; prints its state
SL_MUNGE_PID="" SL_CTLD_PID="" SL_SLURMD_PID="" SL_DIR=""

sl_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

sl_stop_pid() { # pid: TERM, then KILL after 5 s
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null || return 0
    _i=0
    while kill -0 "$1" 2>/dev/null && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
    kill -9 "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}

slurm_stop() {
    if [ -n "$SL_CTLD_PID" ] && kill -0 "$SL_CTLD_PID" 2>/dev/null; then
        scancel --full --quiet --user=root 2>/dev/null
        _i=0
        while [ -n "$(squeue -h -o %i 2>/dev/null)" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
    fi
    sl_stop_pid "$SL_SLURMD_PID"
    sl_stop_pid "$SL_CTLD_PID"
    sl_stop_pid "$SL_MUNGE_PID"
    SL_MUNGE_PID="" SL_CTLD_PID="" SL_SLURMD_PID=""
}

slurm_start() {
    SL_DIR=$1
    D=$1
    chmod 755 "$D"
    mkdir -p "$D/munge" "$D/state" "$D/spool" "$D/log" || return 1
    # munged checks its files: owned by munge, the socket's directory open to all
    chown munge:munge "$D/munge" && chmod 755 "$D/munge" || return 1
    dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 2>/dev/null
    chown munge:munge "$D/munge/munge.key" && chmod 400 "$D/munge/munge.key" || return 1
    setpriv --reuid=munge --regid=munge --init-groups \
        munged --foreground --socket="$D/munge/sock" --key-file="$D/munge/munge.key" \
        --pid-file="$D/munge/munged.pid" --seed-file="$D/munge/seed" \
        --log-file="$D/munge/munged.log" >"$D/log/munged.out" 2>&1 &
    SL_MUNGE_PID=$!
    _i=0
    while [ ! -S "$D/munge/sock" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
    if [ ! -S "$D/munge/sock" ]; then
        echo "# munged did not start:"
        cat "$D/log/munged.out" "$D/munge/munged.log" 2>/dev/null | sed 's/^/#   /'
        return 1
    fi
    _host=$(hostname -s)
    cat >"$D/slurm.conf" <<EOC
ClusterName=steval
SlurmctldHost=$_host(127.0.0.1)
SlurmctldPort=$(sl_free_port)
SlurmdPort=$(sl_free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/sock,cred_expire=5
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=1
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
InactiveLimit=0
KillWait=5
NodeName=$_host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$_host Default=YES MaxTime=INFINITE State=UP
EOC
    export SLURM_CONF="$D/slurm.conf"
    slurmctld -D -i -f "$D/slurm.conf" >"$D/log/slurmctld.out" 2>&1 &
    SL_CTLD_PID=$!
    slurmd -D -f "$D/slurm.conf" -N "$_host" >"$D/log/slurmd.out" 2>&1 &
    SL_SLURMD_PID=$!
    _i=0 _st=""
    while [ $_i -lt 300 ]; do
        _st=$(sinfo -h -N -o %t 2>/dev/null | head -n 1)
        case "$_st" in idle*|mix*|alloc*) return 0 ;; esac
        sleep 0.1
        _i=$((_i + 1))
    done
    echo "# the node is not idle after 30 s (state '$_st'):"
    tail -n 20 "$D/log/slurmctld.log" "$D/log/slurmd.log" "$D/log/slurmctld.out" "$D/log/slurmd.out" 2>/dev/null |
        sed 's/^/#   /'
    return 1
}

slurm_state() {
    scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1
}

slurm_wait() {
    _i=0
    while [ $_i -lt $(($2 * 5)) ]; do
        _st=$(slurm_state "$1")
        case "$_st" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|DEADLINE|BOOT_FAIL)
            echo "$_st"; return 0 ;;
        esac
        sleep 0.2
        _i=$((_i + 1))
    done
    echo "${_st:-UNKNOWN}"
}
