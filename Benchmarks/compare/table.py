#!/usr/bin/env python3
"""Prints the side-by-side table of Benchmarks/compare.sh from its results.jsonl.

usage: table.py results.jsonl [more.jsonl ...] > table.md

Each row pairs one Keel case with one peer case on the same metric, both the median over the runs
in the files.  "Keel/peer" is Keel's value over the peer's; the "better" column says which way is
better for that metric, and the last column turns the ratio into "Keel N.Nx better/worse".  Rows
whose data is missing are left out; those with one side measured (a peer or Keel run that failed)
are listed at the end.
"""
import json
import statistics
import sys
from collections import defaultdict

HIGHER, LOWER = "higher", "lower"

STORAGE_PEERS = [
    ("SQLite WAL, synchronous=FULL", "storage/sqlite-wal/sync=FULL/batch={b}"),
    ("RocksDB, WriteBatch sync=true", "storage/rocksdb/sync=true/batch={b}"),
    ("LMDB, txn sync (default)", "storage/lmdb/sync=true/batch={b}"),
    ("plain file, write+fdatasync (C)", "storage/file+fdatasync/batch={b}"),
]

SEQ = "keel-sdk/seq/activities=3"
C8 = "keel-sdk/concurrent/c=8/activities=3"
C64 = "keel-sdk/concurrent/c=64/activities=3"
TIMER = "keel-sdk/seq/activities=2/timers=1"
RECOVERY = "keel-sdk/recovery/c=16/activities=3/activity-ms=2"


def comparisons():
    """Yields (group, what, keel case, peer label, peer case, metric, better)."""
    for b in (1, 64, 1024):
        for label, case in STORAGE_PEERS:
            yield ("storage", f"~160 B appends, {b}/commit", f"keel/log/batch={b}", label, case.format(b=b),
                   "records_per_s", HIGHER)
    for metric, better in (("workflows_per_s", HIGHER), ("workflow_p50_ms", LOWER)):
        yield ("workflows", "3 steps, one at a time", SEQ, "DBOS, SQLite (default journal)",
               "dbos/seq/default-journal", metric, better)
        yield ("workflows", "3 steps, one at a time", SEQ, "DBOS, SQLite WAL", "dbos/seq/wal", metric, better)
        yield ("workflows", "3 steps, one at a time", SEQ, "Temporal dev server + Python SDK",
               "temporal-devserver/seq/activities", metric, better)
    yield ("workflows", "3 steps, 8 at once", C8, "DBOS, 8 threads, default journal",
           "dbos/threads/c=8/default-journal", "workflows_per_s", HIGHER)
    yield ("workflows", "3 steps, 8 at once", C8, "DBOS, 8 threads, WAL", "dbos/threads/c=8/wal",
           "workflows_per_s", HIGHER)
    yield ("workflows", "3 steps, 64 at once", C64, "Temporal dev server, activities",
           "temporal-devserver/concurrent/c=64/activities", "workflows_per_s", HIGHER)
    yield ("workflows", "3 steps, 64 at once", C64, "Temporal dev server, local activities",
           "temporal-devserver/concurrent/c=64/local-activities", "workflows_per_s", HIGHER)
    yield ("timers", "step, durable 1 s sleep, step", TIMER, "DBOS.sleep(1), SQLite", "dbos/durable-sleep-1s",
           "workflow_wall_s", LOWER)
    yield ("timers", "step, durable 1 s sleep, step", TIMER, "Temporal dev server, workflow.sleep(1)",
           "temporal-devserver/timer-1s", "workflow_wall_s", LOWER)
    for metric in ("restart_to_launched_s", "restart_to_all_done_s"):
        yield ("recovery", "kill -9 at half done, restart", RECOVERY, "DBOS, SQLite (default journal)",
               "dbos/recovery/default-journal", metric, LOWER)
        yield ("recovery", "kill -9 at half done, restart", RECOVERY, "DBOS, SQLite WAL", "dbos/recovery/wal",
               metric, LOWER)


def load(paths):
    values = defaultdict(list)
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("RESULT "):
                    line = line[len("RESULT "):]
                if not line.startswith("{"):
                    continue
                record = json.loads(line)
                value = record.get("value")
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    values[(record["case"], record["metric"])].append(float(value))
    return values


def fmt(value):
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def main(paths):
    values = load(paths)
    missing = []
    print("| group | workload | metric | Keel | peer | peer value | Keel/peer | better | reading |")
    print("|---|---|---|---|---|---|---|---|---|")
    for group, what, keel_case, peer_label, peer_case, metric, better in comparisons():
        ours, theirs = values.get((keel_case, metric)), values.get((peer_case, metric))
        if not ours or not theirs:
            # A group that was not run has neither side; only a one-sided row points at a failure.
            if ours or theirs:
                missing.append(f"{keel_case if not ours else peer_case} ({metric})")
            continue
        keel, peer = statistics.median(ours), statistics.median(theirs)
        ratio = keel / peer if peer else float("inf")
        advantage = ratio if better == HIGHER else (1 / ratio if ratio else float("inf"))
        reading = f"Keel {advantage:.2f}x better" if advantage >= 1 else f"Keel {1 / advantage:.2f}x worse"
        runs = f" ({len(ours)}/{len(theirs)} runs)" if len(ours) > 1 or len(theirs) > 1 else ""
        print(f"| {group} | {what} | {metric} | {fmt(keel)} | {peer_label} | {fmt(peer)} | {ratio:.3g}"
              f" | {better} | {reading}{runs} |")
    if missing:
        print()
        print("Missing, while the other side of the pair was measured: " + "; ".join(missing))


if __name__ == "__main__":
    main(sys.argv[1:])
