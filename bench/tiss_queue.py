"""Benchmark of bulk TISS intake through the queue (run on demand: `.venv/bin/python bench/tiss_queue.py
--database-url postgresql://… --reset`).

``--files`` lots of 100 SP/SADT guides (5 items each, distinct numeroLote and guide numbers, built
before timing) are submitted as ONE bulk-intake job, as the upload page does with a zip, and received
by one Celery worker with ``--processes`` worker processes (default 2) on the Redis at ``--broker``.
A warm-up job first lets every process compile the TISS schema; then the database is analysed (see
``bench.tiss_import.analyze``). Timed: from the job's commit (files
stored, job queued) to the job done, including the result CSV; the staging in the request is printed
apart. The database is counted afterwards (every lot stored with its guides, one audit event per lot).
Target (issue 13 §3): ≥ 5,000 guides/s on PostgreSQL with two worker processes on this machine.

Database: PostgreSQL (its ``public`` schema is DROPPED and recreated: ``--reset`` is required), or a
fresh SQLite file when no URL is given (for a quick check; the target is PostgreSQL's).
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.tiss_import import GUIDES, analyze, find_schemas, load, lot_bytes, reset_postgres, setup_database  # noqa: E402

TARGET = 5000.0
TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pids) -> dict[int, float]:
    """User + system CPU seconds of each of these processes (those still alive)."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return seconds


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two readings; a process started in between counts whole."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def worker_pids(worker: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    return [worker.pid, *map(int, children.read_text().split())] if children.exists() else [worker.pid]


def postgres_pids() -> list[int]:
    """Every PostgreSQL process on this machine: the workers' backends (those opened during the job too),
    and the WAL writer, checkpointer and autovacuum, whose work the intake causes as well."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def machine_busy() -> tuple[int, int]:
    """(busy, total) clock ticks of every CPU since boot (``/proc/stat``): idle and I/O wait are not busy."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


def start_worker(env: dict, processes: int, log: Path, app) -> subprocess.Popen:
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "services.jobs.worker", "worker", "--concurrency",
                               str(processes), "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
                              cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while not app.extensions["celery"].control.ping(timeout=1):
        if worker.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"the worker did not start:\n{log.read_text()[-3000:]}")
    return worker


def run_job(app, files: list[tuple[str, bytes]], provider_id: int) -> tuple[float, float, object]:
    """(staging seconds, queue seconds, finished job) for one bulk intake of ``files``; the queue seconds are
    the job's own, from its row's creation (committed with the files staged) to its finish."""
    from models import Job
    from models.base import db
    from services.tiss import bulk

    with app.app_context():
        began = time.perf_counter()
        job = bulk.submit([bulk.Upload(name, io.BytesIO(data)) for name, data in files], None,
                          provider_id=provider_id)
        queued = time.perf_counter()
        job_id = job.id
        while True:  # seldom (the polling's own queries would take CPU from the workers): the job's times tell
            time.sleep(0.25)
            db.session.rollback()
            job = db.session.get(Job, job_id)
            db.session.refresh(job)
            if job.finished:
                break
        db.session.expunge(job)
    return queued - began, (job.finished_at - job.created_at).total_seconds(), job


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200, help="lots of 100 guides in the measured job")
    parser.add_argument("--processes", type=int, default=2, help="worker processes")
    parser.add_argument("--broker", default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--reset", action="store_true", help="allow dropping the PostgreSQL public schema")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tiss-queue-"))
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    if url.startswith("postgres"):
        if not args.reset:
            sys.exit("--database-url postgresql://… drops that database's public schema: add --reset")
        reset_postgres(url)
    import redis

    redis.Redis.from_url(args.broker).flushdb()
    env = {**os.environ, "DATABASE_URL": url, "TISS_SCHEMA_DIRS": find_schemas(), "CELERY_BROKER_URL": args.broker,
           "UPLOAD_FOLDER": str(work / "uploads"), "JOB_FOLDER": str(work / "jobs"), "SECRET_KEY": "bench"}
    os.environ.update(env)
    from app import create_app

    app = create_app()
    data = setup_database(app)
    warm_files = 2 * args.processes
    print(f"building {args.files + warm_files} lot files of {GUIDES} guides …", flush=True)
    lots = [(f"lote{n}.xml", lot_bytes(app, data["provider_id"], data["cards"], n))
            for n in range(args.files + warm_files)]
    worker = start_worker(env, args.processes, work / "worker.log", app)
    try:
        _, _, warm = run_job(app, lots[:warm_files], data["provider_id"])
        assert warm.state.value == "done", warm.error
        analyze(app)
        print(f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, {args.processes} worker processes; {load()}")
        processes = worker_pids(worker)
        cpu_before, busy_before = (cpu_of(processes), cpu_of(postgres_pids())), machine_busy()
        staging, seconds, job = run_job(app, lots[warm_files:], data["provider_id"])
        cpu_workers = spent(cpu_before[0], cpu_of(worker_pids(worker)))
        cpu_database = spent(cpu_before[1], cpu_of(postgres_pids()))
        busy = [end - start for start, end in zip(busy_before, machine_busy())]
        after = load()
    finally:
        worker.terminate()
        worker.wait(60)
    assert job.state.value == "done", job.error
    guides = job.result["guides"]
    rate = guides / seconds
    with app.app_context():
        import sqlalchemy as sa

        from models import AuditLog, Guide, GuideItem, Lot
        from models.base import db

        counted = {name: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                   for name, model in (("lots", Lot), ("guides", Guide), ("items", GuideItem))}
        events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
            AuditLog.entity == "lot", AuditLog.changes["event"].as_string() == "guides_received"))
    print(f"job {job.id}: {job.result['accepted']} of {args.files} files accepted, {guides:,} guides "
          f"({job.result['refused']} refused); database: {counted['lots']} lots, {counted['guides']:,} guides, "
          f"{counted['items']:,} items, {events} 'guides_received' audit events")
    print(f"staging in the request (store {args.files} files, queue the job): {staging:6.2f} s")
    print(f"queue → done: {seconds:6.2f} s = {rate:,.0f} guides/s = {seconds / args.files * 1000:.1f} ms per "
          f"{GUIDES}-guide lot with {args.processes} processes (target ≥ {TARGET:,.0f} guides/s); {after}")
    per_lot = (cpu_workers + cpu_database) / args.files
    print(f"CPU per lot: workers {cpu_workers / args.files * 1000:.1f} ms + database "
          f"{cpu_database / args.files * 1000:.1f} ms = {per_lot * 1000:.1f} ms; with {os.cpu_count()} cores to "
          f"itself this work would reach about {GUIDES * os.cpu_count() / per_lot:,.0f} guides/s "
          "(CPU-bound estimate, not the measured rate)")
    print(f"machine busy {busy[0] / max(busy[1], 1):.0%} of its {os.cpu_count()} cores' time from staging to done "
          "(every process: the workers, PostgreSQL, this script's polling, Redis)")
    shutil.rmtree(work, ignore_errors=True)
    ok = job.result["accepted"] == args.files and rate >= TARGET and url.startswith("postgres")
    if ok:
        print("RESULT: met")
    else:
        why = f"{rate:,.0f} guides/s" if url.startswith("postgres") else "not on PostgreSQL"
        print(f"RESULT: not met ({why})")


if __name__ == "__main__":
    main()
