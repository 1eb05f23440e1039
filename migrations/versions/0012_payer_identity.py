"""The payer's identity per country (Argentine: CUIT, IVA condition; Brazilian: CNPJ, registro ANS),
moved out of payer_settings so each country's documents carry their own header and signer.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

MOVED = ("cuit", "cnpj", "ans_registry", "address", "iva_condition", "signer_name", "signer_position")


def upgrade():
    # Read the old identity first: on SQLite, batch mode re-creates payer_settings, and dropping the
    # old table would cascade-delete identities already pointing at it.
    old = op.get_bind().execute(sa.text(
        "SELECT id, name, country, cuit, cnpj, ans_registry, address, iva_condition, signer_name, signer_position "
        "FROM payer_settings")).mappings().all()
    with op.batch_alter_table("payer_settings", schema=None) as batch_op:
        for column in MOVED:
            batch_op.drop_column(column)
    op.create_table(
        "payer_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("settings_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.Enum("AR", "BR", name="country", native_enum=False, length=32), nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=False, comment="razón social / razão social"),
        sa.Column("tax_id", sa.String(length=14), nullable=True, comment="CUIT (AR) or CNPJ (BR), digits"),
        sa.Column("tax_condition", sa.String(length=60), nullable=True, comment="IVA condition (AR)"),
        sa.Column("ans_registry", sa.String(length=6), nullable=True, comment="registroANS (BR)"),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("signer_name", sa.String(length=120), nullable=True),
        sa.Column("signer_position", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["settings_id"], ["payer_settings.id"],
                                name=op.f("fk_payer_identity_settings_id_payer_settings"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payer_identity")),
        sa.UniqueConstraint("settings_id", "country", name=op.f("uq_payer_identity_settings_id_country")),
    )
    backfill(old)


def backfill(rows):
    """The old single identity becomes the home country's; a CNPJ or registro ANS also makes a Brazilian
    one (named as the payer, address and signer left for the administrator when the home is Argentina)."""
    bind = op.get_bind()
    insert = sa.text(
        "INSERT INTO payer_identity (settings_id, country, legal_name, tax_id, tax_condition, ans_registry, address,"
        " signer_name, signer_position) VALUES (:settings_id, :country, :legal_name, :tax_id, :tax_condition,"
        " :ans_registry, :address, :signer_name, :signer_position)")
    for r in rows:
        home = r["country"] or "AR"
        if home == "AR" or r["cuit"]:
            own = home == "AR"
            bind.execute(insert, dict(
                settings_id=r["id"], country="AR", legal_name=r["name"], tax_id=r["cuit"],
                tax_condition=r["iva_condition"], ans_registry=None, address=r["address"] if own else None,
                signer_name=r["signer_name"] if own else None, signer_position=r["signer_position"] if own else None))
        if home == "BR" or r["cnpj"] or r["ans_registry"]:
            own = home == "BR"
            bind.execute(insert, dict(
                settings_id=r["id"], country="BR", legal_name=r["name"], tax_id=r["cnpj"], tax_condition=None,
                ans_registry=r["ans_registry"], address=r["address"] if own else None,
                signer_name=r["signer_name"] if own else None, signer_position=r["signer_position"] if own else None))


def downgrade():
    bind = op.get_bind()
    identities = bind.execute(sa.text(
        "SELECT p.id, p.country AS home, i.country, i.tax_id, i.ans_registry, i.address, i.tax_condition,"
        " i.signer_name, i.signer_position FROM payer_settings p JOIN payer_identity i ON i.settings_id = p.id"
    )).mappings().all()
    op.drop_table("payer_identity")
    with op.batch_alter_table("payer_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cuit", sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column("cnpj", sa.String(length=14), nullable=True))
        batch_op.add_column(sa.Column("ans_registry", sa.String(length=6), nullable=True, comment="registroANS"))
        batch_op.add_column(sa.Column("address", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("iva_condition", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("signer_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("signer_position", sa.String(length=120), nullable=True))
    for r in identities:
        if r["country"] == "AR":
            bind.execute(sa.text("UPDATE payer_settings SET cuit = :v, iva_condition = :c WHERE id = :id"),
                         dict(v=r["tax_id"], c=r["tax_condition"], id=r["id"]))
        else:
            bind.execute(sa.text("UPDATE payer_settings SET cnpj = :v, ans_registry = :a WHERE id = :id"),
                         dict(v=r["tax_id"], a=r["ans_registry"], id=r["id"]))
        if r["country"] == r["home"]:
            bind.execute(sa.text("UPDATE payer_settings SET address = :a, signer_name = :n, signer_position = :p"
                                 " WHERE id = :id"),
                         dict(a=r["address"], n=r["signer_name"], p=r["signer_position"], id=r["id"]))
