"""Verify the audit log's hash chain and signed checkpoints; ``flask --app app audit verify|checkpoint``.

A chain is intact when every link ``n`` (1, 2, 3… without gaps) points at an existing audit row,
carries the previous link's hash as ``prev_hash``, and ``hash = SHA-256(prev_hash || digest of
the row)``; every checkpoint's signature verifies under the audit key (each one covering the one
before it) and matches the link it names; no audit row is outside the chain; and no more links
follow the last checkpoint than one is written for.

These local conditions are equivalent to walking the chain link by link, so they are checked in a
few set-based statements (the database hashes rows in parallel, Python never touches them one by
one) and only the first failing link is then read and explained: edited, deleted, inserted, or
out of order. Each check is one statement, so writers committing meanwhile cannot make an intact
log look broken (their rows and links commit together).

What the chain cannot tell: links appended after the last checkpoint can be rewritten or dropped
by someone who can write to the database (SHA-256 needs no key), and anyone holding the audit key
can sign anything; ``verify`` prints the last checkpoint so it can be recorded elsewhere.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from sqlalchemy.engine import Connection

from models.audit import AuditLog
from models.audit_chain import (
    GENESIS,
    AuditChainLink,
    AuditCheckpoint,
    audit_key,
    chained_hash,
    checkpoint_every,
    checkpoint_now,
    link_hash,
    row_digest,
    sign,
)
from models.base import db


@dataclass(frozen=True)
class Break:
    """The first thing wrong with the log. ``kind``: edited, deleted, inserted, reordered, rewritten, forged."""

    kind: str
    seq: int | None
    message: str


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: bytes
    at: datetime


@dataclass(frozen=True)
class Verdict:
    links: int
    checkpoints: int
    last_checkpoint: Checkpoint | None
    broken: Break | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify(connection: Connection) -> Verdict:
    """Check the whole chain, checkpoints and the audit rows; the first break in chain order, if any."""
    checkpoints = connection.execute(_checkpoints_with_links()).all()
    head, last_signed = connection.execute(_heads()).one()
    head = head or 0
    breaks = [b for b in (_first_bad_link(connection), _first_bad_checkpoint(checkpoints, head)) if b]
    broken = min(breaks, key=lambda b: b.seq) if breaks else None
    broken = broken or _unlinked_row(connection, head) or _unsigned_tail(head, last_signed or 0)
    last = checkpoints[-1] if checkpoints else None
    return Verdict(links=head, checkpoints=len(checkpoints),
                   last_checkpoint=Checkpoint(last.seq, last.hash, last.at) if last else None, broken=broken)


# The checks ---------------------------------------------------------------------------------------
def _tables():
    return (AuditChainLink.__table__.alias("c"), AuditLog.__table__.alias("a"), AuditChainLink.__table__.alias("p"))


def _heads():
    links, checkpoints = AuditChainLink.__table__, AuditCheckpoint.__table__
    return sa.select(sa.select(sa.func.max(links.c.seq)).scalar_subquery(),
                     sa.select(sa.func.max(checkpoints.c.seq)).scalar_subquery())


def _first_bad_link(connection: Connection) -> Break | None:
    c, a, p = _tables()
    genesis = sa.literal(GENESIS, sa.LargeBinary)
    bad = sa.or_(
        a.c.id.is_(None),
        sa.and_(p.c.seq.is_(None), c.c.seq != 1),
        c.c.prev_hash != sa.func.coalesce(p.c.hash, genesis),
        chained_hash(c.c.prev_hash, a) != c.c.hash,
    )
    # min() rather than ORDER BY … LIMIT 1: the planner may then scan and hash in parallel.
    seq = connection.execute(
        sa.select(sa.func.min(c.c.seq))
        .select_from(c.outerjoin(a, a.c.id == c.c.audit_id).outerjoin(p, p.c.seq == c.c.seq - 1))
        .where(bad)).scalar()
    return None if seq is None else _explain(connection, seq)


def _explain(connection: Connection, seq: int) -> Break:
    c, a, p = _tables()
    link = connection.execute(
        sa.select(c.c.seq, c.c.audit_id, c.c.prev_hash, c.c.hash, a.c.id.label("row_id"), row_digest(a).label("digest"),
                  p.c.seq.label("prev_seq"), p.c.hash.label("prev_link_hash"))
        .select_from(c.outerjoin(a, a.c.id == c.c.audit_id).outerjoin(p, p.c.seq == c.c.seq - 1))
        .where(c.c.seq == seq)).one()
    row = f"row #{link.audit_id} (link {seq})"
    if link.row_id is None:
        return Break("deleted", seq, f"{row} was deleted: its link remains, the audit row is gone")
    if link.prev_seq is None and seq != 1:
        before = connection.execute(sa.select(sa.func.max(c.c.seq)).where(c.c.seq < seq)).scalar() or 0
        return Break("deleted", seq, f"links {before + 1}–{seq - 1} are missing before {row}: "
                                     f"{seq - 1 - before} row(s) deleted from the chain")
    expected_prev = GENESIS if seq == 1 else link.prev_link_hash
    self_consistent = link_hash(link.prev_hash, link.digest) == link.hash
    if link.prev_hash == expected_prev:
        return Break("edited", seq, f"{row} was edited: its content no longer matches its hash")
    if not self_consistent:
        return Break("rewritten", seq, f"link {seq} was rewritten: neither its row nor its predecessor match its hash")
    chained_after = connection.execute(
        sa.select(c.c.seq, c.c.audit_id).where(c.c.hash == link.prev_hash).limit(1)).first()
    if chained_after is None:
        return Break("deleted", seq, f"the row written before {row} was deleted: "
                                     "its link points at a hash no longer in the chain")
    if chained_after.seq == seq - 2:
        intruder = connection.execute(sa.select(c.c.audit_id).where(c.c.seq == seq - 1)).scalar()
        return Break("inserted", seq - 1, f"row #{intruder} (link {seq - 1}) was inserted: {row} was written "
                                          f"right after link {seq - 2}")
    return Break("reordered", seq, f"{row} is out of order: it was written right after link {chained_after.seq} "
                                   f"(row #{chained_after.audit_id}), not after link {seq - 1}")


def _checkpoints_with_links():
    checkpoints, links = AuditCheckpoint.__table__, AuditChainLink.__table__
    return (sa.select(checkpoints.c.seq, checkpoints.c.hash, checkpoints.c.at, checkpoints.c.signature,
                      links.c.hash.label("link_hash"))
            .select_from(checkpoints.outerjoin(links, links.c.seq == checkpoints.c.seq))
            .order_by(checkpoints.c.seq))


def _first_bad_checkpoint(checkpoints, head: int) -> Break | None:
    key, previous, signed_seq = audit_key(), b"", 0
    for cp in checkpoints:
        where = f"checkpoint at link {cp.seq} (signed {cp.at:%Y-%m-%d %H:%M:%S} UTC)"
        if not hmac.compare_digest(sign(key, cp.seq, cp.hash, cp.at, previous), cp.signature):
            return Break("forged", cp.seq, f"{where} is forged: its signature does not verify under the audit key "
                                           "(or the checkpoint before it was removed)")
        if cp.link_hash is None:
            return Break("deleted", cp.seq, f"rows were deleted from the end: the {where} vouches for {cp.seq} links "
                                            f"but the chain ends at link {head}")
        if cp.link_hash != cp.hash:
            return Break("rewritten", cp.seq, f"rows between links {signed_seq + 1} and {cp.seq} were edited, deleted "
                                              f"or inserted and the chain re-hashed: link {cp.seq} no longer has the "
                                              f"hash of the {where}")
        previous, signed_seq = cp.signature, cp.seq
    return None


def _unlinked_row(connection: Connection, links: int) -> Break | None:
    """Once links 1…n are known to point at existing rows, n rows mean none is outside the chain: a link pointing
    at a row linked already would have changed its hash. Only when there are more rows is the stranger looked for."""
    a, c = AuditLog.__table__, AuditChainLink.__table__
    if connection.execute(sa.select(sa.func.count()).select_from(a)).scalar() == links:
        return None
    row_id = connection.execute(
        sa.select(sa.func.min(a.c.id)).where(~sa.exists().where(c.c.audit_id == a.c.id))).scalar()
    if row_id is None:
        return Break("rewritten", None, "several links point at the same audit row")
    return Break("inserted", None, f"row #{row_id} was inserted outside the chain: no link vouches for it")


def _unsigned_tail(head: int, last_signed: int) -> Break | None:
    every = checkpoint_every()
    if head - last_signed < every:
        return None
    return Break("deleted", last_signed + 1, f"checkpoints were deleted: {head - last_signed} links follow the last "
                                             f"one (link {last_signed}) though one is signed every {every} links")


# CLI ----------------------------------------------------------------------------------------------
audit_cli = AppGroup("audit", help="Audit log integrity.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check the audit log's hash chain and signed checkpoints; exit 1 at the first broken link."""
    verdict = verify(db.session.connection())
    if verdict.broken:
        click.echo(f"Audit log BROKEN ({verdict.broken.kind}): {verdict.broken.message}.", err=True)
        raise SystemExit(1)
    last = verdict.last_checkpoint
    signed = (f"last checkpoint at link {last.seq:,} ({last.at:%Y-%m-%d %H:%M:%S} UTC, hash {last.hash.hex()}), "
              f"{verdict.links - last.seq:,} link(s) after it" if last else "no checkpoint yet")
    click.echo(f"Audit log intact: {verdict.links:,} rows chained, {verdict.checkpoints:,} signed checkpoint(s); "
               f"{signed}.")


@audit_cli.command("checkpoint")
def checkpoint_command() -> None:
    """Sign the chain's head now (e.g. before a backup, or daily from cron)."""
    # SQLite: take the write lock before reading the head (a stale read could not be upgraded to a write).
    connection = db.session.connection(
        execution_options=None if db.session().in_transaction() else {"sqlite_begin": "IMMEDIATE"})
    signed, head = checkpoint_now(connection)
    db.session.commit()
    if signed is None:
        click.echo(f"Nothing to sign: the head (link {head:,}) is already signed.")
    else:
        click.echo(f"Checkpoint signed at link {signed:,}.")
