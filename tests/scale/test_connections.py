"""How the application's PostgreSQL connections are set up."""
import pytest
import sqlalchemy as sa

import settings
from models.base import db


@pytest.mark.postgres_only
def test_queries_start_no_parallel_workers_and_compile_nothing(app):
    """A page's indexed query planned as parallel on a misestimate paid for starting workers, and the lot-total
    trigger of every received TISS lot for compiling its query (settings)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with app.app_context():
        for _pooled_again in range(2):
            assert db.session.scalar(sa.text("SHOW max_parallel_workers_per_gather")) == "0"
            assert db.session.scalar(sa.text("SHOW jit")) == "off"
            db.session.rollback()


def test_parallel_workers_are_a_setting_of_postgresql_only(monkeypatch, tmp_path):
    monkeypatch.setenv("DB_PARALLEL_WORKERS", "4")
    monkeypatch.setenv("DATABASE_URL", "postgresql://liquida@db.example/liquida")
    options = settings.load(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"options": "-c max_parallel_workers_per_gather=4 -c jit=off"}
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert "connect_args" not in settings.load(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]
