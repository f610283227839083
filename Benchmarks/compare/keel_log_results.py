#!/usr/bin/env python3
"""Turns the JSON object of `keel bench log --json` into RESULT lines with the peers' metric names.

usage: keel_log_results.py CASE < keel-bench-log.json >> results.jsonl

The peers' storage benchmarks (storage/append_*.py, storage/bin/append_file) report records_per_s,
MB_per_s (payload bytes per second, MB = 10^6 B) and commits_per_s for one appender that waits for
each durable commit; `keel bench log --concurrency 1` measures the same loop, so its records/s and
acknowledgements/s map one to one.  Prints one JSON object per line (no "RESULT " prefix).
"""
import json
import sys


def main():
    case = sys.argv[1]
    report = json.load(sys.stdin)
    records_per_s = float(report["records_per_s"])
    extra = {
        "engine": "keel",
        "batch": report["batch"],
        "records_target": report["records_requested"],
        "records_done": report["records"],
        "capped": bool(report["capped"]),
        "elapsed_s": report["elapsed_s"],
        "record_bytes": report["record_bytes"],
        "durability": report["durability"],
        "syncs": report.get("syncs"),
        "compression_ratio": report.get("compression_ratio"),
        "data_file_bytes": report.get("data_file_bytes"),
    }
    rows = [
        ("records_per_s", round(records_per_s, 1), "rec/s"),
        ("MB_per_s", round(records_per_s * report["record_bytes"] / 1e6, 2), "MB/s"),
        ("commits_per_s", round(float(report["acks_per_s"]), 1), "commit/s"),
    ]
    for metric, value, unit in rows:
        print(json.dumps({"case": case, "metric": metric, "value": value, "unit": unit, **extra}))


if __name__ == "__main__":
    main()
