"""Count the SQL statements a request sends (SQLAlchemy ``before_cursor_execute``), to catch pages
that run one query per row: the same page with 5 and with 50 rows must send as many statements."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from models.base import db

# The test transaction turns commits into savepoints: bookkeeping, not the page's work.
IGNORED = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


class Statements(list):
    @property
    def count(self) -> int:
        return len(self)

    def __str__(self) -> str:
        return "\n".join(f"{i + 1:3d}. {s[:160]}" for i, s in enumerate(self))


@contextmanager
def counting(engine=None):
    """Collect every statement sent while the block runs (executemany counts once)."""
    engine = engine or db.engine
    seen = Statements()

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(IGNORED):
            seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def queries_for(client, url: str, status: int = 200) -> Statements:
    """The statements one GET of ``url`` sends (after a warm-up GET, so lazy one-time loads do not count)."""
    db.session.expire_all()  # tests share the request's session: a row they made, cached, would hide a query
    client.get(url)
    db.session.expire_all()
    with counting() as seen:
        response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return seen


def assert_flat(small: Statements, large: Statements, what: str) -> None:
    """The page with more rows sends no more statements than with fewer rows."""
    assert large.count <= small.count, (
        f"{what}: {small.count} statements with few rows, {large.count} with many (a query per row?)\n{large}")
