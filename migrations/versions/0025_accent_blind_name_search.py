"""Name searches ignore accents: "gomez" finds Gómez, "joao" João (PostgreSQL: ``unaccent``).

Clerks and providers type names as they can: without accents, in capitals. The searched columns are
compared through ``liquida_fold(text)``, ``lower(unaccent(text))``: an IMMUTABLE wrapper (``unaccent`` alone
is STABLE, its dictionary could change) naming the dictionary and its schema, so an index can be built on it
and a restore with an empty search path still finds them. The two trigram indexes of the name searches move
from ``lower(column)`` to the folded names. SQLite registers a Python function of the same name on every
connection (``app.py``) and computes ``name_search`` from it as the column is read; it has no index.

The wrapper costs 1.2 µs a call (``lower``: 0.3; ``translate`` over the accented letters, which PostgreSQL
would inline, more still), and a search calls it on every row it reads: a common name's page at 2M
beneficiaries read ~2,000 of them and rechecked 1,000 for its count, 11 ms more. Beneficiaries' names are
therefore folded once, when written, into the generated column ``name_search`` (stored; the ORM does not map
it), which the search and its index read; providers are few and are folded as they are read.
``unaccent`` is a trusted extension: the database's owner may create it.

Revision ID: 0025
Revises: 0024
"""
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

TRIGRAM = (("beneficiary", "ix_beneficiary_name_trgm", "name"),
           ("provider", "ix_provider_legal_name_trgm", "legal_name"))
FOLDED = {"beneficiary": ("name", "name_search")}  # table: (column, its stored folding)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":  # the Python function, computed as the column is read
        for table, (source, folded) in FOLDED.items():
            op.execute(f'ALTER TABLE "{table}" ADD COLUMN {folded} TEXT '
                       f"GENERATED ALWAYS AS (liquida_fold({source})) VIRTUAL")
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
    op.execute("CREATE OR REPLACE FUNCTION liquida_fold(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT "
               "PARALLEL SAFE AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$")
    for table, name, column in TRIGRAM:
        op.execute(f"DROP INDEX IF EXISTS {name}")
        folded = f"liquida_fold({column})"
        if table in FOLDED:
            source, folded = FOLDED[table]
            op.execute(f'ALTER TABLE "{table}" ADD COLUMN {folded} text '
                       f"GENERATED ALWAYS AS (liquida_fold({source})) STORED")
        op.execute(f'CREATE INDEX {name} ON "{table}" USING gin ({folded} gin_trgm_ops)')


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        for table, (_source, folded) in FOLDED.items():
            op.execute(f'ALTER TABLE "{table}" DROP COLUMN {folded}')
        return
    for table, name, column in TRIGRAM:
        op.execute(f"DROP INDEX IF EXISTS {name}")
        if table in FOLDED:
            op.execute(f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS {FOLDED[table][1]}')
        op.execute(f'CREATE INDEX {name} ON "{table}" USING gin (lower({column}) gin_trgm_ops)')
    op.execute("DROP FUNCTION IF EXISTS liquida_fold(text)")
