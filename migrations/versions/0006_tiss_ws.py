"""TISS web services: providers' web-service logins, and the channel (and service) of every history row.

Revision ID: 0006
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tiss_ws_credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=20), nullable=False, comment='loginPrestador'),
    sa.Column('password_hash', sa.String(length=255), nullable=False, comment='hash of the MD5 hex of the password'),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('rotated_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_ip', sa.String(length=45), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_tiss_ws_credential_issued_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_tiss_ws_credential_provider_id_provider'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_tiss_ws_credential_revoked_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tiss_ws_credential')),
    sa.UniqueConstraint('login', name=op.f('uq_tiss_ws_credential_login')),
    sa.UniqueConstraint('provider_id', name=op.f('uq_tiss_ws_credential_provider_id'))
    )
    with op.batch_alter_table('tiss_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.Enum('upload', 'cli', 'web_service', name='tisschannel', native_enum=False, length=32), server_default='upload', nullable=False))
        batch_op.add_column(sa.Column('service', sa.String(length=40), nullable=True, comment='web service called'))
        batch_op.create_index(batch_op.f('ix_tiss_submission_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_tiss_submission_service'), ['service'], unique=False)



def downgrade():
    with op.batch_alter_table('tiss_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tiss_submission_service'))
        batch_op.drop_index(batch_op.f('ix_tiss_submission_channel'))
        batch_op.drop_column('service')
        batch_op.drop_column('channel')

    op.drop_table('tiss_ws_credential')
