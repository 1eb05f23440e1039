"""The machine a benchmark ran on: its load and its speed, so that figures of different sessions compare.

Machines of the same kind (2 cores) have differed by 2.5× in speed from one session to the next, so a
target such as "5,000 guides/s on this machine" means little alone. Every benchmark prints the CPU time
of a fixed pure-Python workload (dictionaries, strings and calls: what the application spends its time
on), best of three, measured when it starts.
"""
from __future__ import annotations

import os
import time

ROWS = 200_000


def _workload() -> int:
    total, rows = 0, []
    for i in range(ROWS):
        row = {"id": i, "name": f"row {i}", "amount": i * 3}
        rows.append(row)
        total += len(row["name"]) + row["amount"] % 7
    return total + len(rows)


def reference_ms() -> float:
    """CPU milliseconds of the reference workload in this process (best of three)."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        _workload()
        best = min(best, time.process_time() - started)
    return best * 1000


def describe() -> str:
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"load average {load} on {os.cpu_count()} CPUs; reference workload {reference_ms():.0f} ms CPU"
