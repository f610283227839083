#!/bin/bash
# Keel against its peers, on this machine, in one run.
#
#   Benchmarks/compare.sh [--quick] [--runs N] [--only storage,workflows,timers,recovery]
#
# Builds `keel` in release, copies the peer-baseline kit (../shared/peers by default) to a writable,
# git-ignored folder and runs its setup.sh once (Python venv from PyPI, Debian lz4/xxhash, C helpers),
# then runs each Keel workload right next to the peer workloads it is compared with (with --runs N,
# each group runs N rounds of Keel and peers in turn, so each pair sees the machine in the same state):
#
#   storage    ~160 B durable appends, 1 / 64 / 1024 records per commit: `keel bench log` against
#              SQLite WAL synchronous=FULL, RocksDB sync=true, LMDB (sync) and a plain file + fdatasync
#   workflows  workflows of 3 trivial steps, one at a time and 8 / 64 at once: `keel bench e2e`
#              (embedded SDK) against DBOS on SQLite and the Temporal dev server with its Python SDK
#   timers     step -> durable 1 s sleep -> step, wall time: Keel against DBOS.sleep and workflow.sleep
#   recovery   1,000 workflows started, kill -9 once half are done, restart until all are done:
#              `keel bench e2e --crash-after/--recover` against DBOS's recovery benchmark
#
# Every benchmark prints RESULT {...} JSON lines (case, metric, value, unit); they are collected in
# <results>/results.jsonl, tagged with the exact command and run number.  The script then writes
# <results>/table.md (Keel, peer, Keel/peer per comparison, see compare/table.py) and
# <results>/summary.md (every metric, from the peers' summarize.py), and prints the table.
#
# Environment:
#   PEERS_SRC     the peer kit to copy (default: ../shared/peers next to the repository)
#   PEERS_DIR     where the copy lives (default: Benchmarks/.peers)
#   RESULTS_ROOT  where result folders go (default: Benchmarks/.compare-results)
#   KEEL_SCRATCH  SwiftPM scratch path of the release build (default: .build-compare)
#   KEEL_BIN      a keel binary to use instead of building one
#
# Every command is bounded by `timeout`; the benchmarks also stop themselves.  Servers (the Temporal
# dev server) bind 127.0.0.1 only.
set -u -o pipefail

usage() {
    sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

RUNS=1
QUICK=0
ONLY="storage,workflows,timers,recovery"
while [ $# -gt 0 ]; do
    case $1 in
    --quick) QUICK=1 ;;
    --runs)
        [ $# -ge 2 ] || usage 2
        RUNS=$2
        shift
        ;;
    --only)
        [ $# -ge 2 ] || usage 2
        ONLY=$2
        shift
        ;;
    -h | --help) usage 0 ;;
    *)
        echo "compare.sh: unknown argument $1" >&2
        usage 2
        ;;
    esac
    shift
done
case $RUNS in
'' | *[!0-9]* | 0)
    echo "compare.sh: --runs must be a positive integer, found '$RUNS'" >&2
    exit 2
    ;;
esac
for group in ${ONLY//,/ }; do
    case $group in
    storage | workflows | timers | recovery) ;;
    *)
        echo "compare.sh: --only takes storage, workflows, timers, recovery; found '$group'" >&2
        exit 2
        ;;
    esac
done
wants() { [[ ",$ONLY," == *",$1,"* ]]; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
HELPERS=$ROOT/Benchmarks/compare
PEERS_SRC=${PEERS_SRC:-$ROOT/../shared/peers}
PEERS_DIR=${PEERS_DIR:-$ROOT/Benchmarks/.peers}
RESULTS_ROOT=${RESULTS_ROOT:-$ROOT/Benchmarks/.compare-results}
KEEL_SCRATCH=${KEEL_SCRATCH:-.build-compare}
STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT=$RESULTS_ROOT/$STAMP
mkdir -p "$OUT"
RES=$OUT/results.jsonl
LOG=$OUT/log.txt
: >"$RES"
say() { echo "=== [$(date -u +%T)] $*" | tee -a "$LOG"; }

# 1. keel, release build.
if [ -n "${KEEL_BIN:-}" ]; then
    # The Keel runs start in a scratch directory, so the path must not be relative.
    KEEL=$(cd "$(dirname "$KEEL_BIN")" && pwd)/$(basename "$KEEL_BIN")
else
    say "building keel (release, scratch path $KEEL_SCRATCH)"
    if ! timeout 3600 swift build -c release --product keel --scratch-path "$KEEL_SCRATCH" \
        --disable-experimental-prebuilts >>"$LOG" 2>&1; then
        echo "compare.sh: the release build failed; see $LOG" >&2
        exit 1
    fi
    KEEL=$(swift build -c release --scratch-path "$KEEL_SCRATCH" --show-bin-path \
        --disable-experimental-prebuilts 2>/dev/null)/keel
fi
[ -x "$KEEL" ] || {
    echo "compare.sh: no keel binary at $KEEL" >&2
    exit 1
}

# 2. The peer kit: a writable copy, set up once.
if [ ! -f "$PEERS_DIR/run_all.sh" ]; then
    [ -f "$PEERS_SRC/run_all.sh" ] || {
        echo "compare.sh: no peer kit at $PEERS_SRC (set PEERS_SRC)" >&2
        exit 1
    }
    say "copying the peer kit from $PEERS_SRC to $PEERS_DIR"
    mkdir -p "$PEERS_DIR"
    cp -r "$PEERS_SRC/." "$PEERS_DIR/"
    chmod -R u+w "$PEERS_DIR"
fi
# setup.sh writes results/pip-freeze.txt, so the folder must exist first.
mkdir -p "$PEERS_DIR/results" "$PEERS_DIR/data/storage"
if [ ! -x "$PEERS_DIR/.venv/bin/python" ] || [ ! -x "$PEERS_DIR/storage/bin/append_file" ]; then
    say "setting up the peer kit (venv from PyPI, apt packages, C helpers)"
    if ! (cd "$PEERS_DIR" && timeout 1800 ./setup.sh) >>"$LOG" 2>&1; then
        echo "compare.sh: the peers' setup.sh failed; see $LOG" >&2
        exit 1
    fi
fi
PY=$PEERS_DIR/.venv/bin/python
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/keel-compare-XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

{
    uname -a
    nproc
    grep -m1 "model name" /proc/cpuinfo
    free -g | head -2
    df -h "$ROOT" | tail -1
    df -h "${TMPDIR:-/tmp}" | tail -1
    echo "keel: $KEEL ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ', uncommitted changes'))"
    swift --version 2>&1 | head -1
    "$PY" --version
    echo "load at start: $(uptime)"
} >"$OUT/machine.txt" 2>&1
"$PY" -m pip freeze >"$OUT/pip-freeze.txt" 2>/dev/null

FAILURES=0
# Each group runs in RUNS rounds; a round runs every Keel workload of the group once, each right
# before the peer workloads it is compared with, so that each pair sees the machine in the same state.
RUN=1
# peer <seconds> <command...>: runs a peer benchmark once, from the kit's folder; its RESULT lines go
# to results.jsonl through $PEERS_RESULTS, tagged with the command and the round.
peer() {
    local limit=$1
    shift
    local tmp rc
    tmp=$(mktemp)
    say "round $RUN/$RUNS: (peers) $*"
    (cd "$PEERS_DIR" && PEERS_RESULTS=$tmp timeout "$limit" "$@") >>"$LOG" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then
        say "!!! exit $rc: $*"
        FAILURES=$((FAILURES + 1))
    fi
    "$PY" "$PEERS_DIR/lib/tagcmd.py" "$tmp" "$*" "$RUN" "$RES"
    rm -f "$tmp"
}

# keel_results <tmp> <run> <command>: moves the RESULT lines a keel run printed into results.jsonl.
keel_results() {
    local tmp=$1 run=$2 command=$3 lines
    lines=$(mktemp)
    grep '^RESULT ' "$tmp" | sed 's/^RESULT //' >"$lines"
    cat "$tmp" >>"$LOG"
    "$PY" "$PEERS_DIR/lib/tagcmd.py" "$lines" "$command" "$run" "$RES"
    rm -f "$lines"
}

# keel_e2e <seconds> <options...>: runs `keel bench e2e --result-lines` once.
keel_e2e() {
    local limit=$1
    shift
    local tmp rc
    tmp=$(mktemp)
    say "round $RUN/$RUNS: keel bench e2e $* --result-lines"
    (cd "$SCRATCH" && TMPDIR=$SCRATCH timeout "$limit" "$KEEL" bench e2e "$@" --result-lines) >"$tmp" 2>>"$LOG"
    rc=$?
    if [ $rc -ne 0 ]; then
        say "!!! exit $rc: keel bench e2e $*"
        FAILURES=$((FAILURES + 1))
    fi
    keel_results "$tmp" "$RUN" "keel bench e2e $* --result-lines"
    rm -f "$tmp"
}

# keel_log <batch> <records> <seconds>: one `keel bench log` run, turned into RESULT lines.
keel_log() {
    local batch=$1 records=$2 seconds=$3
    local tmp rc command
    # --data peers: the log appends the peers' records byte for byte, so every store writes the same data.
    command="keel bench log --records $records --batch $batch --concurrency 1 --max-seconds $seconds"
    command+=" --data peers --stream-records 1000 --baseline none --path $SCRATCH --json"
    tmp=$(mktemp)
    say "round $RUN/$RUNS: $command"
    # shellcheck disable=SC2086 # the command is words on purpose
    timeout $((seconds * 4 + 120)) "$KEEL" ${command#keel } >"$tmp" 2>>"$LOG"
    rc=$?
    if [ $rc -ne 0 ]; then
        say "!!! exit $rc: $command"
        FAILURES=$((FAILURES + 1))
    else
        cat "$tmp" >>"$LOG"
        "$PY" "$HELPERS/keel_log_results.py" "keel/log/batch=$batch" <"$tmp" | sed 's/^/RESULT /' >"$tmp.lines"
        keel_results "$tmp.lines" "$RUN" "$command"
    fi
    rm -f "$tmp" "$tmp.lines"
}

# Sizes: the peers' defaults, or smaller with --quick.
if [ "$QUICK" = 1 ]; then
    RECORDS=200000 APPEND_SECONDS=5 DBOS_N=500 KEEL_N=1000 TEMPORAL_SEQ_N=30 TEMPORAL_N=300 TEMPORAL_SECONDS=15
    RECOVERY_N=400
else
    RECORDS=1000000 APPEND_SECONDS=15 DBOS_N=2000 KEEL_N=2000 TEMPORAL_SEQ_N=100 TEMPORAL_N=1000 TEMPORAL_SECONDS=40
    RECOVERY_N=1000
fi

storage_round() {
    # This disk's fdatasync latency bounds every durable figure below; it is recorded for context.
    peer 60 storage/bin/fsync_lat data/storage/fsync 2000
    local b
    for b in 1 64 1024; do
        keel_log "$b" "$RECORDS" "$APPEND_SECONDS"
        peer 120 "$PY" storage/append_sqlite.py --sync FULL --batch "$b" --records "$RECORDS" --max-seconds "$APPEND_SECONDS"
        peer 120 "$PY" storage/append_rocksdb.py --sync true --batch "$b" --records "$RECORDS" --max-seconds "$APPEND_SECONDS"
        peer 120 "$PY" storage/append_lmdb.py --sync true --batch "$b" --records "$RECORDS" --max-seconds "$APPEND_SECONDS"
        peer 120 storage/bin/append_file data/storage/file "$RECORDS" "$b" "$APPEND_SECONDS"
    done
}

workflows_round() {
    local common=(--activities 3 --warmup 20 --baseline none)
    # One at a time: a client starts a workflow and waits for its result before the next.
    keel_e2e 300 --workflows "$KEEL_N" --concurrency 1 "${common[@]}"
    # DBOS has no time cap of its own; its default journal syncs about 20 times per workflow.
    peer 300 "$PY" dbos/dbos_throughput.py --mode seq --n "$DBOS_N"
    peer 300 "$PY" dbos/dbos_throughput.py --mode seq --n "$DBOS_N" --wal
    peer 120 "$PY" temporal/temporal_throughput.py --mode seq --n "$TEMPORAL_SEQ_N" --max-seconds "$TEMPORAL_SECONDS"
    # 8 at once (DBOS's thread pool) and 64 at once (the Temporal benchmark's concurrency).
    keel_e2e 300 --workflows "$KEEL_N" --concurrency 8 "${common[@]}"
    peer 300 "$PY" dbos/dbos_throughput.py --mode threads --concurrency 8 --n "$DBOS_N"
    peer 300 "$PY" dbos/dbos_throughput.py --mode threads --concurrency 8 --n "$DBOS_N" --wal
    keel_e2e 300 --workflows "$KEEL_N" --concurrency 64 "${common[@]}"
    peer 120 "$PY" temporal/temporal_throughput.py --mode concurrent --n "$TEMPORAL_N" --max-seconds "$TEMPORAL_SECONDS"
    peer 120 "$PY" temporal/temporal_throughput.py --mode concurrent --local --n "$TEMPORAL_N" \
        --max-seconds "$TEMPORAL_SECONDS"
}

timers_round() {
    # Keel's benchmark workflow runs its activities before its timers: two steps, then the 1 s sleep.
    keel_e2e 120 --workflows 3 --concurrency 1 --activities 2 --timers 1 --warmup 1 --baseline none
    peer 120 "$PY" dbos/dbos_sleep.py --runs 3 --no-crash
    peer 120 "$PY" temporal/temporal_throughput.py --mode timer --n 3
}

recovery_round() {
    local data=$SCRATCH/recovery-$RUN.keel tmp rc
    local shape=(--workflows "$RECOVERY_N" --concurrency 16 --activities 3 --activity-ms 2
        --max-concurrent-activities 16 --baseline none --data-path "$data")
    say "round $RUN/$RUNS: keel bench e2e ${shape[*]} --crash-after $((RECOVERY_N / 2)) (is killed on purpose)"
    # The braces send the shell's own "Killed" notice to the log as well.
    {
        (cd "$SCRATCH" && TMPDIR=$SCRATCH timeout 300 "$KEEL" bench e2e "${shape[@]}" \
            --crash-after $((RECOVERY_N / 2)))
    } >>"$LOG" 2>&1
    rc=$?
    if [ $rc -ne 137 ]; then
        say "!!! expected the crash run to be killed (exit 137), found exit $rc"
        FAILURES=$((FAILURES + 1))
    else
        tmp=$(mktemp)
        say "round $RUN/$RUNS: keel bench e2e ${shape[*]} --recover --result-lines"
        (cd "$SCRATCH" && TMPDIR=$SCRATCH timeout 300 "$KEEL" bench e2e "${shape[@]}" --recover \
            --result-lines) >"$tmp" 2>>"$LOG"
        rc=$?
        if [ $rc -ne 0 ]; then
            say "!!! exit $rc: keel bench e2e --recover"
            FAILURES=$((FAILURES + 1))
        fi
        keel_results "$tmp" "$RUN" "keel bench e2e ${shape[*]//$SCRATCH/\$TMP} --recover --result-lines"
        rm -f "$tmp"
    fi
    rm -f "$data"
    # DBOS's crash run gives up after --max-seconds (50 by default) on a slow disk.
    peer 240 "$PY" dbos/dbos_recovery.py --n "$RECOVERY_N" --max-seconds 150
    peer 240 "$PY" dbos/dbos_recovery.py --n "$RECOVERY_N" --wal --max-seconds 150
}

for group in storage workflows timers recovery; do
    wants "$group" || continue
    for RUN in $(seq 1 "$RUNS"); do
        "${group}_round"
    done
done

echo "load at end: $(uptime)" >>"$OUT/machine.txt"
"$PY" "$PEERS_DIR/summarize.py" "$RES" >"$OUT/summary.md"
"$PY" "$HELPERS/table.py" "$RES" >"$OUT/table.md"
cat "$OUT/table.md"
echo
echo "results: $RES"
echo "table:   $OUT/table.md"
echo "summary: $OUT/summary.md"
echo "log:     $LOG"
if [ "$FAILURES" -gt 0 ]; then
    echo "compare.sh: $FAILURES benchmark command(s) failed; see $LOG" >&2
    exit 1
fi
