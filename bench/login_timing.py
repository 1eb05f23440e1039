"""Benchmark: a failed login takes the same time whether or not the email has an account.

Posts wrong passwords to /login, alternating a registered email and unknown ones (so both see the same
machine load), and compares the medians. Target: the ratio unknown / registered within 0.8-1.25
(before the fix: 7 ms vs 159 ms, a ratio of 0.04). Run: .venv/bin/python bench/login_timing.py
A scratch SQLite database in a temporary folder; login throttling off (it would lock the account).
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))


def main() -> int:
    folder = tempfile.mkdtemp(prefix="liquida-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
    from flask_migrate import upgrade

    from app import create_app
    from models.base import db
    from models.enums import Role
    from seed import factories as f

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "bench", "MAIL_OUTBOX": f"{folder}/outbox", "UPLOAD_FOLDER": f"{folder}/up"})
    with app.app_context():
        upgrade()
        user = f.make_user("known@bench.example", Role.CLERK, password="the-right-password-1")
        db.session.commit()
        email = user.email
    client = app.test_client()

    def attempt(address: str) -> float:
        started = time.perf_counter()
        response = client.post("/login", data={"email": address, "password": "a-wrong-password-1"})
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        return elapsed

    attempt(email), attempt("warm-up@bench.example")
    known, unknown = [], []
    for n in range(ROUNDS):
        known.append(attempt(email))
        unknown.append(attempt(f"nobody{n}@bench.example"))
    k, u = statistics.median(known), statistics.median(unknown)
    ratio = u / k
    print(f"failed login, registered email: median {k * 1000:.1f} ms over {ROUNDS}")
    print(f"failed login, unknown email:    median {u * 1000:.1f} ms over {ROUNDS}")
    print(f"ratio unknown/registered: {ratio:.2f} (target 0.80-1.25)")
    met = 0.8 <= ratio <= 1.25
    print(f"RESULT: {'met' if met else 'not met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
