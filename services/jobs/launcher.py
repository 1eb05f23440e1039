"""``make run``: gunicorn, one Celery worker and Celery beat in one command; one Ctrl-C stops them all.

The broker is ``CELERY_BROKER_URL``, else a Redis answering on 127.0.0.1:6379 (started here, as a child
without persistence, when ``redis-server`` is installed but not running). With no Redis at all the web
server runs alone and every task runs inline (see services/jobs/queue.py): a bare machine still works.
When any child exits, the others are stopped and its exit code is ours.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def find_broker(children: list) -> str | None:
    if os.environ.get("CELERY_BROKER_URL"):
        return os.environ["CELERY_BROKER_URL"]
    if redis_answers(LOCAL_REDIS):
        return LOCAL_REDIS
    server = shutil.which("redis-server")
    if server is None:
        return None
    children.append(("redis", subprocess.Popen([server, "--bind", "127.0.0.1", "--port", "6379", "--save", "",
                                                "--appendonly", "no"], stdout=subprocess.DEVNULL)))
    for _ in range(50):
        if redis_answers(LOCAL_REDIS):
            return LOCAL_REDIS
        time.sleep(0.1)
    return None


def commands(bind: str, workers: int, instance: Path) -> list[tuple[str, list[str]]]:
    bin_dir = Path(sys.executable).parent
    celery = [str(bin_dir / "celery"), "-A", "services.jobs.worker"]
    return [
        ("web", [str(bin_dir / "gunicorn"), "--workers", str(workers), "--bind", bind, "--access-logfile", "-",
                 "app:create_app()"]),
        ("worker", [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"]),
        ("beat", [*celery, "beat", "--loglevel", "INFO", "--schedule", str(instance / "celerybeat-schedule")]),
    ]


def stop(children: list, grace: float = 10.0) -> None:
    for _name, child in reversed(children):
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + grace
    for _name, child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bind", default="127.0.0.1:5000")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()
    instance = ROOT / "instance"
    instance.mkdir(exist_ok=True)
    children: list[tuple[str, subprocess.Popen]] = []
    broker = find_broker(children)
    env = dict(os.environ)
    wanted = commands(args.bind, args.workers, instance)
    if broker:
        env["CELERY_BROKER_URL"] = broker
        print(f"launch: web, worker and beat on {broker}", flush=True)
    else:
        wanted = wanted[:1]
        print("launch: no Redis found: the web server runs alone and jobs run inline", flush=True)
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    for name, argv in wanted:
        children.append((name, subprocess.Popen(argv, cwd=ROOT, env=env)))
    code = 0
    while not stopping:
        ended = [(name, child.returncode) for name, child in children if child.poll() is not None]
        if ended:
            name, code = ended[0]
            print(f"launch: {name} exited with {code}; stopping the others", flush=True)
            break
        time.sleep(0.5)
    stop(children)
    return code


if __name__ == "__main__":
    sys.exit(main())
