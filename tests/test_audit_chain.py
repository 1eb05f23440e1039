"""The audit log's hash chain: intact logs verify, and every kind of tampering is caught by ``flask audit verify``.

Tampering is done as the database owner would: raw SQL with the guards out of the way (PostgreSQL:
``session_replication_role = replica``, which a superuser may set and which skips triggers and
foreign keys; SQLite: the triggers dropped, foreign keys deferred), inside the test's transaction.
"""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from models import AuditChainLink, AuditCheckpoint, AuditLog
from models.audit import PENDING_IDS, append_rows, record_event
from models.audit_chain import APPEND_ONLY_TABLES, GENESIS, checkpoint_now, link_hash, row_digest, sign
from models.base import db, utcnow
from models.enums import AuditAction


def write(count: int, entity: str = "chain_test") -> list[AuditChainLink]:
    """``count`` audit rows, committed (so linked); their links in chain order."""
    for n in range(count):
        record_event(entity, n, "tick")
    db.session.commit()
    return db.session.scalars(
        sa.select(AuditChainLink).join(AuditLog, AuditLog.id == AuditChainLink.audit_id)
        .where(AuditLog.entity == entity).order_by(AuditChainLink.seq)).all()


def verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def assert_broken(app, *fragments: str) -> str:
    result = verify(app)
    assert result.exit_code == 1, result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    return result.output


def execute(sql: str, **params) -> None:
    db.session.execute(sa.text(sql), params)


@pytest.fixture
def owner():
    """Lift the append-only guards as the database owner can; ``owner.move(seq, to)`` renumbers a link."""
    if db.engine.dialect.name == "postgresql":
        execute("SET LOCAL session_replication_role = replica")
    else:
        triggers = db.session.scalars(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('audit_log', 'audit_chain', "
            "'audit_checkpoint')")).all()
        assert triggers
        for name in triggers:
            execute(f"DROP TRIGGER {name}")
        execute("PRAGMA defer_foreign_keys = ON")
    return execute


@pytest.fixture
def every(app, monkeypatch):
    def _every(n: int) -> None:
        monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_EVERY", n)
    return _every


def head() -> int:
    return db.session.scalar(sa.select(sa.func.max(AuditChainLink.seq)))


# Intact logs ----------------------------------------------------------------------------------------
def test_an_intact_log_verifies_with_its_count(app):
    links = write(5)
    assert [link.seq for link in links] == list(range(links[0].seq, links[0].seq + 5))
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert f"Audit log intact: {head():,} rows chained" in result.output


def test_each_link_hashes_its_row_and_its_predecessor(app):
    first, second = write(2)
    assert second.prev_hash == first.hash
    digest = db.session.scalar(sa.select(row_digest()).where(AuditLog.id == second.audit_id))
    assert second.hash == link_hash(first.hash, digest)


def test_every_row_the_app_writes_is_linked(app, demo):
    """The demo payer goes through the ORM listener, record_event and the lots service's bulk writes."""
    db.session.commit()
    unlinked = db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(
        ~sa.exists().where(AuditChainLink.audit_id == AuditLog.id)))
    assert unlinked == 0
    assert verify(app).exit_code == 0


def test_rows_undone_by_a_savepoint_are_not_linked_and_the_rest_are(app):
    savepoint = db.session.begin_nested()
    record_event("chain_savepoint", 1, "undone")
    savepoint.rollback()
    with db.session.begin_nested():
        record_event("chain_savepoint", 2, "kept")
    db.session.commit()
    linked = db.session.scalars(
        sa.select(AuditLog.entity_id).join(AuditChainLink, AuditChainLink.audit_id == AuditLog.id)
        .where(AuditLog.entity == "chain_savepoint")).all()
    assert linked == [2]
    assert verify(app).exit_code == 0


def test_checkpoints_are_signed_every_n_links_and_on_demand(app, every):
    every(3)
    write(7)
    signed = db.session.scalars(sa.select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq.desc()).limit(2)).all()
    assert signed[0] - signed[1] == 3 and head() - signed[0] < 3
    if head() == signed[0]:
        write(1)
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0 and f"Checkpoint signed at link {head():,}" in result.output
    again = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert "Nothing to sign" in again.output
    assert verify(app).exit_code == 0


# Tampering ---------------------------------------------------------------------------------------
def test_an_edited_row_is_caught(app, owner):
    links = write(4)
    owner("UPDATE audit_log SET reason = 'nothing happened' WHERE id = :id", id=links[2].audit_id)
    assert_broken(app, "(edited)", f"row #{links[2].audit_id} (link {links[2].seq}) was edited")


def test_a_deleted_row_is_caught(app, owner):
    links = write(4)
    owner("DELETE FROM audit_log WHERE id = :id", id=links[1].audit_id)
    assert_broken(app, "(deleted)", f"row #{links[1].audit_id} (link {links[1].seq}) was deleted")


def test_a_row_deleted_with_its_link_is_caught(app, owner):
    links = write(4)
    owner("DELETE FROM audit_chain WHERE seq = :seq", seq=links[1].seq)
    owner("DELETE FROM audit_log WHERE id = :id", id=links[1].audit_id)
    assert_broken(app, "(deleted)", f"links {links[1].seq}–{links[1].seq} are missing", "1 row(s) deleted")


def test_a_row_inserted_outside_the_chain_is_caught(app, owner):
    write(3)
    forged = db.session.execute(sa.insert(AuditLog.__table__).values(
        at=utcnow(), actor_label="admin@example.org", entity="invoice", entity_id=1,
        action=AuditAction.TRANSITION.value, changes={"status": ["sent", "accepted"]}).returning(AuditLog.id)).scalar()
    assert_broken(app, "(inserted)", f"row #{forged} was inserted outside the chain")


def test_a_forged_row_spliced_into_the_chain_is_caught(app, owner):
    """The forger links the row properly after link s and shifts the later links by one."""
    links = write(4)
    after = links[1]
    owner("UPDATE audit_chain SET seq = -seq WHERE seq > :s", s=after.seq)
    owner("UPDATE audit_chain SET seq = 1 - seq WHERE seq < 0")
    forged = db.session.execute(sa.insert(AuditLog.__table__).values(
        at=utcnow(), actor_label="admin@example.org", entity="chain_test", entity_id=99,
        action=AuditAction.EVENT.value).returning(AuditLog.id)).scalar()
    digest = db.session.scalar(sa.select(row_digest()).where(AuditLog.id == forged))
    db.session.execute(sa.insert(AuditChainLink.__table__).values(
        seq=after.seq + 1, audit_id=forged, prev_hash=after.hash, hash=link_hash(after.hash, digest)))
    assert_broken(app, "(inserted)", f"row #{forged} (link {after.seq + 1}) was inserted")


def test_reordered_rows_are_caught(app, owner):
    links = write(4)
    a, b = links[1], links[2]
    owner("UPDATE audit_chain SET seq = 0 WHERE seq = :a", a=a.seq)
    owner("UPDATE audit_chain SET seq = :a WHERE seq = :b", a=a.seq, b=b.seq)
    owner("UPDATE audit_chain SET seq = :b WHERE seq = 0", b=b.seq)
    assert_broken(app, "(reordered)", f"row #{b.audit_id} (link {a.seq}) is out of order",
                  f"right after link {b.seq}")


def test_an_edit_re_hashed_to_the_end_is_caught_by_the_next_checkpoint(app, owner, every):
    """SHA-256 needs no key: the forger recomputes every later link. Only the signed checkpoint can tell."""
    every(4)
    write(6)
    signed = db.session.scalar(sa.select(sa.func.max(AuditCheckpoint.seq)))
    victim = db.session.get(AuditChainLink, signed - 1)  # signed is the first checkpoint after it
    owner("UPDATE audit_log SET reason = 'approved by phone' WHERE id = :id", id=victim.audit_id)
    rehash_from(victim.seq)
    output = assert_broken(app, "(rewritten)", f"link {signed} no longer has the hash")
    assert "edited, deleted or inserted" in output


def rehash_from(seq: int) -> None:
    prev = db.session.scalar(sa.select(AuditChainLink.hash).where(AuditChainLink.seq == seq - 1)) or GENESIS
    rows = db.session.execute(
        sa.select(AuditChainLink.seq, row_digest()).join(AuditLog, AuditLog.id == AuditChainLink.audit_id)
        .where(AuditChainLink.seq >= seq).order_by(AuditChainLink.seq)).all()
    for link_seq, digest in rows:
        new = link_hash(prev, digest)
        execute("UPDATE audit_chain SET prev_hash = :p, hash = :h WHERE seq = :s", p=prev, h=new, s=link_seq)
        prev = new


def test_the_tail_truncated_after_a_checkpoint_is_caught(app, owner, every):
    every(4)
    write(6)
    signed = db.session.scalar(sa.select(sa.func.max(AuditCheckpoint.seq)))
    doomed = db.session.scalars(sa.select(AuditChainLink.audit_id).where(AuditChainLink.seq >= signed - 1)).all()
    owner("DELETE FROM audit_chain WHERE seq >= :s", s=signed - 1)
    db.session.execute(sa.delete(AuditLog.__table__).where(AuditLog.id.in_(doomed)))
    assert_broken(app, "(deleted)", "rows were deleted from the end", f"vouches for {signed} links",
                  f"chain ends at link {signed - 2}")


def test_a_forged_checkpoint_is_caught(app, owner):
    write(3)
    at = utcnow()
    last = db.session.execute(sa.select(AuditChainLink.seq, AuditChainLink.hash)
                              .order_by(AuditChainLink.seq.desc()).limit(1)).one()
    previous = db.session.scalar(sa.select(AuditCheckpoint.signature).order_by(AuditCheckpoint.seq.desc()).limit(1))
    forged = sign(b"a guessed key", last.seq, last.hash, at, previous or b"")
    db.session.execute(sa.insert(AuditCheckpoint.__table__).values(
        seq=last.seq, hash=last.hash, at=at, signature=forged))
    assert_broken(app, "(forged)", f"checkpoint at link {last.seq}", "signature does not verify")


def test_removed_checkpoints_are_caught(app, owner, every):
    every(3)
    write(8)
    signed = db.session.scalars(sa.select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq.desc()).limit(2)).all()
    owner("DELETE FROM audit_checkpoint WHERE seq >= :s", s=signed[1])
    assert_broken(app, "(deleted)", "checkpoints were deleted", "one is signed every 3 links")


# Guards the owner keeps (the chain covers the owner who lifts them) -----------------------------------
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
@pytest.mark.parametrize("verb", ["UPDATE", "DELETE"])
def test_the_audit_tables_refuse_updates_and_deletes(table, verb):
    write(1)
    checkpoint_now(db.session.connection())
    statement = f"UPDATE {table} SET seq = seq" if table != "audit_log" else "UPDATE audit_log SET reason = 'x'"
    with pytest.raises(DBAPIError):
        with db.session.begin_nested():
            execute(statement if verb == "UPDATE" else f"DELETE FROM {table}")


def test_replace_into_and_upserts_cannot_overwrite_an_audit_row():
    link = write(1)[0]
    if db.engine.dialect.name == "sqlite":
        statement = ("REPLACE INTO audit_log (id, at, actor_label, entity, action) "
                     "VALUES (:id, '2020-01-01 00:00:00', 'x', 'x', 'event')")
    else:
        statement = ("INSERT INTO audit_log (id, at, actor_label, entity, action) "
                     "VALUES (:id, now(), 'x', 'x', 'event') ON CONFLICT (id) DO UPDATE SET reason = 'x'")
    with pytest.raises(DBAPIError, match="append-only"):
        with db.session.begin_nested():
            execute(statement, id=link.audit_id)
    assert db.session.get(AuditLog, link.audit_id).actor_label != "x"


def test_truncate_is_refused_even_to_the_owner():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    write(1)
    for table in APPEND_ONLY_TABLES:
        with pytest.raises(DBAPIError, match="append-only"):
            with db.session.begin_nested():
                execute(f"TRUNCATE {table} CASCADE")


# Concurrent writers (PostgreSQL) -------------------------------------------------------------------
@pytest.mark.postgres_only
def test_concurrent_writers_keep_one_valid_chain_in_commit_order(app):
    """Two connections append at once; the one holding the lower ids commits last. Data is committed for real."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers on one file lock: concurrent appends exist only on PostgreSQL")
    first_wrote, second_committed = threading.Event(), threading.Event()
    ids: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def writer(name: str, rounds: int, before_write=None, before_commit=None, after_commit=None) -> None:
        """``rounds`` transactions of 3 rows; the hooks run in the first one."""
        try:
            with app.app_context(), Session(db.engine) as session:
                for n in range(rounds):
                    if n == 0 and before_write:
                        before_write()
                    append_rows(session, [{"at": utcnow(), "actor_label": name, "entity": "chain_concurrency",
                                           "entity_id": n, "action": AuditAction.EVENT.value} for _ in range(3)])
                    ids.setdefault(name, []).extend(sorted(session.info[PENDING_IDS]))
                    if n == 0 and before_commit:
                        before_commit()
                    session.commit()
                    if n == 0 and after_commit:
                        after_commit()
        except BaseException as exc:
            errors.append(exc)

    def let_the_second_commit_first():
        first_wrote.set()
        assert second_committed.wait(10)

    def after_the_first_wrote():
        assert first_wrote.wait(10)

    threads = [
        threading.Thread(target=writer, args=("first", 40), kwargs={"before_commit": let_the_second_commit_first}),
        threading.Thread(target=writer, args=("second", 40), kwargs={"before_write": after_the_first_wrote,
                                                                     "after_commit": second_committed.set}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "writers deadlocked"
    assert not errors, errors
    first_ids, second_ids = ids["first"][:3], ids["second"][:3]
    assert max(first_ids) < min(second_ids)  # the first writer holds the lower ids…
    seq_of = dict(db.session.execute(sa.select(AuditChainLink.audit_id, AuditChainLink.seq)
                                     .where(AuditChainLink.audit_id.in_(first_ids + second_ids))).all())
    assert max(seq_of[i] for i in second_ids) < min(seq_of[i] for i in first_ids)  # …and is chained after
    linked = db.session.scalar(sa.select(sa.func.count()).select_from(AuditChainLink).join(
        AuditLog, AuditLog.id == AuditChainLink.audit_id).where(AuditLog.entity == "chain_concurrency"))
    assert linked == len(ids["first"]) + len(ids["second"]) == 240
    result = verify(app)
    assert result.exit_code == 0, result.output


# The migration ------------------------------------------------------------------------------------
def test_the_migration_chains_the_rows_already_written(tmp_path, monkeypatch):
    """A log written before 0003 (its own SQLite file): the upgrade links every row, in id order, with checkpoints."""
    from flask_migrate import upgrade

    from app import create_app
    from services.audit_verify import verify as verify_chain

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'before.db'}")
    older = create_app({"TESTING": True, "SECRET_KEY": "migration-secret", "AUDIT_CHECKPOINT_EVERY": 10,
                        "UPLOAD_FOLDER": str(tmp_path), "MAIL_OUTBOX": str(tmp_path)})
    with older.app_context():
        upgrade(revision="0002")
        engine = older.extensions["sqlalchemy"].engine
        with engine.begin() as conn:
            conn.execute(sa.insert(AuditLog.__table__), [
                {"at": utcnow(), "actor_label": "system", "entity": "invoice", "entity_id": n,
                 "action": AuditAction.UPDATE.value, "changes": {"status": ["sent", "observed"]}} for n in range(25)])
        upgrade()
        with engine.connect() as conn:
            linked = conn.execute(sa.select(AuditChainLink.seq, AuditChainLink.audit_id)
                                  .order_by(AuditChainLink.seq)).all()
            signed = conn.scalars(sa.select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq)).all()
            verdict = verify_chain(conn)
        engine.dispose()
    assert [audit_id for _, audit_id in linked] == sorted(audit_id for _, audit_id in linked)
    assert [seq for seq, _ in linked] == list(range(1, 26)) and signed == [10, 20]
    assert verdict.intact and verdict.links == 25
