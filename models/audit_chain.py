"""Tamper evidence for the audit log: a SHA-256 hash chain in commit order, with signed checkpoints.

Every audit row gets one link in ``audit_chain``: ``hash = SHA-256(prev_hash || digest)``, where
``prev_hash`` is the previous link's hash (32 zero bytes for link 1) and ``digest`` is the SHA-256
of the row's canonical content, its columns in the database's own serialization (``row_digest``). Every
``AUDIT_CHECKPOINT_EVERY`` links (and on demand, ``flask audit checkpoint``) a checkpoint signs
the head with HMAC-SHA256 under ``AUDIT_KEY`` (default: derived from ``SECRET_KEY``); each
checkpoint's signature also covers the previous one's, so removing one breaks the next. Anyone
with database rights can recompute SHA-256 hashes, nobody without the key can sign: a row
edited, deleted, inserted or moved before the last checkpoint is caught by ``services.audit_verify``.

Why links are sealed at commit, in a sibling table, under one short lock
------------------------------------------------------------------------
Rows are written at flush (``models.audit``), inside the transaction they describe, long before
it commits; PostgreSQL ids come from a sequence and commit out of order, and a row can only point
at a predecessor that is already committed. So the chain follows commit order, not id order: in
``before_commit`` the session reads the digests of the rows it wrote (only the ones it wrote and
that survived its savepoints, never a stranger's unlinked row), then takes the chain lock
(``pg_advisory_xact_lock``; on SQLite the transaction already holds the database's only write
lock), reads the head, inserts the links and any checkpoint due, and commits, which releases the
lock. The lock is the last one the transaction takes and, holding it, the transaction waits for
nothing else (the links reference only its own rows), so it cannot be part of a deadlock; it is
held for a few index reads, one insert and the COMMIT. Taking it at the first flush instead would
hold it through the rest of every request and deadlock against row locks taken later.
The links live in their own append-only table because audit rows are never updated: a hash
known only at commit could not be written into a row inserted at flush.

The price, measured by ``bench/audit_verify.py``: a few statements per committing transaction
(one before the lock, two under it), and, because the lock is held through the COMMIT's WAL flush,
audited commits go one at a time at the speed of that flush. On the shared 2-core development
machine (load around 10) one writer paid about 9 ms more per 5-row transaction, and four writers
reached about 90 committing transactions a second against 400 without the chain; a database
server with a fast disk flushes in well under a millisecond. Releasing the lock before the flush
would let the next transaction read a head that is not committed yet, and fork the chain.

The head is read in a fresh statement after the lock is granted, which under READ COMMITTED (the
app's isolation level) sees the previous holder's committed links.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import islice

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from models.audit import PENDING_IDS, AppendOnlyError, AuditLog
from models.base import db, utcnow

GENESIS = bytes(32)
CHAIN_LOCK = 4_170_412_877  # pg_advisory_xact_lock key of the chain head
CONTENT_COLUMNS = ("id", "at", "actor_id", "actor_label", "entity", "entity_id", "action", "changes", "reason", "ip")
APPEND_ONLY_TABLES = ("audit_log", "audit_chain", "audit_checkpoint")
_IN_CHUNK = 5000


class AuditChainLink(db.Model):
    """One audit row's place in the chain (seq 1, 2, 3… in commit order)."""

    __tablename__ = "audit_chain"
    __audited__ = False

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_log.id"), unique=True)
    prev_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))


class AuditCheckpoint(db.Model):
    """The chain's hash at link ``seq``, signed with the audit key."""

    __tablename__ = "audit_checkpoint"
    __audited__ = False

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    signature: Mapped[bytes] = mapped_column(sa.LargeBinary(32))


@event.listens_for(AuditChainLink, "before_update")
@event.listens_for(AuditChainLink, "before_delete")
@event.listens_for(AuditCheckpoint, "before_update")
@event.listens_for(AuditCheckpoint, "before_delete")
def _refuse_changes(mapper, connection, target):
    raise AppendOnlyError(f"{mapper.local_table.name} is append-only")


# Hashing in SQL: set-based in the database, the same expression when sealing and verifying ------------
class sql_sha256(FunctionElement):
    """SHA-256 of the concatenation of its byte arguments."""

    type = sa.LargeBinary()
    inherit_cache = True
    name = "audit_sha256"


@compiles(sql_sha256)
def _sha256_sqlite(element, compiler, **kw):
    return f"audit_sha256({compiler.process(element.clauses, **kw)})"  # a Python function, registered below


@compiles(sql_sha256, "postgresql")
def _sha256_postgresql(element, compiler, **kw):
    return "sha256(%s)" % " || ".join(compiler.process(clause, **kw) for clause in element.clauses)


class sql_canonical_row(FunctionElement):
    """The given columns serialized by the database, unambiguously and whatever its display settings.

    PostgreSQL: the binary wire format of ``ROW(…)`` (``record_send``: each value with its type and length,
    timestamps as integers, text in the client encoding, pinned to UTF-8 below), twice as fast to build as a
    JSON array, which matters when ``audit verify`` serializes every row. SQLite: ``json_array(…)``."""

    type = sa.LargeBinary()
    inherit_cache = True
    name = "audit_canonical_row"


@compiles(sql_canonical_row)
def _canonical_row_sqlite(element, compiler, **kw):
    return f"json_array({compiler.process(element.clauses, **kw)})"


@compiles(sql_canonical_row, "postgresql")
def _canonical_row_postgresql(element, compiler, **kw):
    return f"record_send(ROW({compiler.process(element.clauses, **kw)}))"


class sql_link_hash(FunctionElement):
    """SHA-256(prev_hash || SHA-256(canonical content)): a link's hash, from its predecessor's and its row."""

    type = sa.LargeBinary()
    inherit_cache = True
    name = "audit_link_hash"


@compiles(sql_link_hash)
def _link_hash_sqlite(element, compiler, **kw):
    return f"audit_link_hash({compiler.process(element.clauses, **kw)})"  # one Python call per row, not two


@compiles(sql_link_hash, "postgresql")
def _link_hash_postgresql(element, compiler, **kw):
    prev_hash, content = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"sha256({prev_hash} || sha256({content}))"


def _canonical(table=None) -> sql_canonical_row:
    table = AuditLog.__table__ if table is None else table
    return sql_canonical_row(*(table.c[name] for name in CONTENT_COLUMNS))


def row_digest(table=None) -> sa.ColumnElement[bytes]:
    """SQL for the SHA-256 of an audit row's canonical content (``table``: audit_log or an alias of it)."""
    return sql_sha256(_canonical(table))


def chained_hash(prev_hash, table=None) -> sa.ColumnElement[bytes]:
    """SQL for the hash a link to the row of ``table`` must have after ``prev_hash``."""
    return sql_link_hash(prev_hash, _canonical(table))


def _sqlite_sha256(*parts) -> bytes:
    return hashlib.sha256(b"".join(p.encode() if isinstance(p, str) else p for p in parts if p is not None)).digest()


def _sqlite_link_hash(prev_hash: bytes, content: str, _sha256=hashlib.sha256) -> bytes:
    """Called once per link by ``audit verify`` on SQLite: kept to the bare minimum."""
    return _sha256(prev_hash + _sha256(content.encode()).digest()).digest()


@event.listens_for(Engine, "connect")
def _prepare_connection(dbapi_connection, connection_record) -> None:
    """SQLite: the hash functions. PostgreSQL: text sent as UTF-8, so that rows serialize the same for every client."""
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        dbapi_connection.create_function("audit_sha256", -1, _sqlite_sha256, deterministic=True)
        dbapi_connection.create_function("audit_link_hash", 2, _sqlite_link_hash, deterministic=True)
    elif module.startswith("psycopg"):
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        dbapi_connection.execute("SET client_encoding TO 'UTF8'")
        dbapi_connection.autocommit = autocommit


def link_hash(prev_hash: bytes, digest: bytes) -> bytes:
    return hashlib.sha256(prev_hash + digest).digest()


# Checkpoint signatures ---------------------------------------------------------------------------------
def audit_key() -> bytes:
    """The checkpoint key: ``AUDIT_KEY``, or one derived from ``SECRET_KEY`` for this purpose only."""
    secret = current_app.config.get("AUDIT_KEY") or current_app.config["SECRET_KEY"]
    return hmac.new(secret.encode(), b"liquida audit checkpoints", hashlib.sha256).digest()


def checkpoint_every() -> int:
    return max(1, int(current_app.config.get("AUDIT_CHECKPOINT_EVERY") or 1000))


def sign(key: bytes, seq: int, chain_hash: bytes, at: datetime, prev_signature: bytes) -> bytes:
    message = f"liquida-audit-checkpoint|{seq}|{chain_hash.hex()}|{at.isoformat()}|{prev_signature.hex()}"
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


# Appending (statements built once: sealing runs in every committing transaction) ---------------------------
_AUDIT, _LINKS, _CHECKPOINTS = AuditLog.__table__, AuditChainLink.__table__, AuditCheckpoint.__table__
_LOCK = sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK))
_DIGESTS = (sa.select(_AUDIT.c.id, row_digest()).where(_AUDIT.c.id.in_(sa.bindparam("ids", expanding=True)))
            .order_by(_AUDIT.c.id))
_HEAD = sa.select(_LINKS.c.seq, _LINKS.c.hash).order_by(_LINKS.c.seq.desc()).limit(1).subquery("head")
_LAST_CHECKPOINT = (sa.select(_CHECKPOINTS).where(_CHECKPOINTS.c.seq <= _HEAD.c.seq)
                    .order_by(_CHECKPOINTS.c.seq.desc()).limit(1))
# PostgreSQL: all the links in one statement (psycopg would otherwise send one INSERT per row), their hashes
# as one bytea of 64 bytes (prev_hash, hash) per link: arrays of bytea are slow to send.
_INSERT_LINKS_POSTGRESQL = sa.text(
    "WITH batch AS (SELECT CAST(:audit_ids AS integer[]) AS ids, CAST(:hashes AS bytea) AS hashes) "
    "INSERT INTO audit_chain (seq, audit_id, prev_hash, hash) "
    "SELECT CAST(:first AS integer) + i, ids[i + 1], substr(hashes, i * 64 + 1, 32), substr(hashes, i * 64 + 33, 32) "
    "FROM batch, generate_series(0, cardinality(ids) - 1) AS i")
_HEADS = sa.select(_HEAD.c.seq, _HEAD.c.hash, _LAST_CHECKPOINT.with_only_columns(_CHECKPOINTS.c.seq).scalar_subquery(),
                   _LAST_CHECKPOINT.with_only_columns(_CHECKPOINTS.c.signature).scalar_subquery())


class _Chain:
    """The head of the chain and of the checkpoints, read under the lock; appends links after it."""

    def __init__(self, connection: Connection):
        if connection.dialect.name == "postgresql":
            connection.execute(_LOCK)
        self.connection = connection
        self.seq, self.hash, checkpoint_seq, signature = connection.execute(_HEADS).first() or (0, GENESIS, 0, b"")
        self.checkpoint_seq, self.signature = checkpoint_seq or 0, signature or b""
        self.key = audit_key()
        self.every = checkpoint_every()

    def append(self, digests: Iterable[tuple[int, bytes]]) -> int:
        """Link ``(audit id, digest)`` pairs in that order, signing a checkpoint every ``every`` links."""
        links, checkpoints = [], []
        for audit_id, digest in digests:
            new_hash = link_hash(self.hash, digest)
            self.seq += 1
            links.append({"seq": self.seq, "audit_id": audit_id, "prev_hash": self.hash, "hash": new_hash})
            self.hash = new_hash
            if self.seq - self.checkpoint_seq >= self.every:
                checkpoints.append(self._checkpoint())
        if links:
            self._insert_links(links)
        if checkpoints:
            self.connection.execute(_CHECKPOINTS.insert(), checkpoints)
        return len(links)

    def _insert_links(self, links: list[dict]) -> None:
        if self.connection.dialect.name == "postgresql":
            self.connection.execute(_INSERT_LINKS_POSTGRESQL, {  # the links' seqs follow each other
                "first": links[0]["seq"], "audit_ids": [link["audit_id"] for link in links],
                "hashes": b"".join(link["prev_hash"] + link["hash"] for link in links)})
        else:
            self.connection.execute(_LINKS.insert(), links)

    def checkpoint(self) -> int | None:
        """Sign the head now, unless it is signed already; the checkpoint's link number."""
        if self.seq == self.checkpoint_seq:
            return None
        self.connection.execute(_CHECKPOINTS.insert(), [self._checkpoint()])
        return self.seq

    def _checkpoint(self) -> dict:
        at = utcnow()
        self.signature = sign(self.key, self.seq, self.hash, at, self.signature)
        self.checkpoint_seq = self.seq
        return {"seq": self.seq, "hash": self.hash, "at": at, "signature": self.signature}


def _chunks(values: Sequence[int], size: int):
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def seal(connection: Connection, audit_ids: Iterable[int]) -> int:
    """Link the given audit rows (those that still exist: savepoints may have undone some), in id order."""
    digests = []
    for chunk in _chunks(sorted(audit_ids), _IN_CHUNK):
        digests += connection.execute(_DIGESTS, {"ids": chunk}).all()
    if not digests:
        return 0
    return _Chain(connection).append(digests)


def seal_unlinked(connection: Connection, batch: int = 50_000) -> int:
    """Link every audit row without a link, in id order: the backfill of a log written before the chain."""
    table, links = AuditLog.__table__, AuditChainLink.__table__
    chain = _Chain(connection)
    total, after = 0, 0
    while True:
        digests = connection.execute(
            sa.select(table.c.id, row_digest()).where(
                table.c.id > after, ~sa.exists().where(links.c.audit_id == table.c.id))
            .order_by(table.c.id).limit(batch)).all()
        if not digests:
            return total
        total += chain.append(digests)
        after = digests[-1][0]


def checkpoint_now(connection: Connection) -> tuple[int | None, int]:
    """Sign the chain's head now (on demand); (new checkpoint's link or None when already signed, head)."""
    chain = _Chain(connection)
    return chain.checkpoint(), chain.seq


@event.listens_for(Session, "before_commit")
def _seal_on_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the rows are linked when the whole transaction commits
    session.flush()  # the last flush's audit rows must be linked too (commit would flush after this hook)
    audit_ids = session.info.pop(PENDING_IDS, None)
    if audit_ids:
        seal(session.connection(), audit_ids)


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back_rows(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING_IDS, None)
