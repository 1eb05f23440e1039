"""Adjudication as data (issue 15): plans, procedure catalogue, rules, prior authorizations, findings.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('adjudication_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('auto_enabled', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('auto_limit', sa.Numeric(precision=14, scale=2), nullable=False, comment='lots above go to a clerk'),
    sa.Column('sample_percent', sa.Integer(), server_default='10', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjudication_settings'))
    )
    op.create_table('health_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('ans_product_number', sa.String(length=20), nullable=True, comment='registro do produto na ANS'),
    sa.Column('segmentation', sa.Enum('ambulatory', 'hospital', 'obstetric', 'dental', 'reference', name='segmentation', native_enum=False, length=32), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_plan')),
    sa.UniqueConstraint('name', name=op.f('uq_health_plan_name'))
    )
    op.create_table('procedure_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('segmentation', sa.Enum('ambulatory', 'hospital', 'obstetric', 'dental', 'reference', name='segmentation', native_enum=False, length=32), nullable=False, comment='the segmentation that covers it'),
    sa.Column('waiting_kind', sa.Enum('urgency', 'childbirth', 'other', name='waitingkind', native_enum=False, length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_group')),
    sa.UniqueConstraint('code', name=op.f('uq_procedure_group_code'))
    )
    op.create_table('adjudication_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('eligibility', 'waiting_period', 'coverage', 'sex_age', 'quantity', 'frequency', 'duplicate', 'prior_authorization', 'contract_price', name='rulekind', native_enum=False, length=32), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=True, comment='per kind, e.g. {"count": 1, "days": 30}'),
    sa.Column('procedure_code', sa.String(length=10), nullable=True, comment='scope: one TUSS code'),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('glosa_code', sa.String(length=10), nullable=True, comment="Tabela 38; empty = the kind's own"),
    sa.Column('payer_code', sa.String(length=10), nullable=True, comment="the payer's own code, if any"),
    sa.Column('action', sa.Enum('refuse', 'propose', name='ruleaction', native_enum=False, length=32), nullable=False),
    sa.Column('active_from', sa.Date(), nullable=True),
    sa.Column('active_to', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['procedure_group.id'], name=op.f('fk_adjudication_rule_group_id_procedure_group')),
    sa.ForeignKeyConstraint(['plan_id'], ['health_plan.id'], name=op.f('fk_adjudication_rule_plan_id_health_plan')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_adjudication_rule_provider_id_provider')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjudication_rule'))
    )
    with op.batch_alter_table('adjudication_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adjudication_rule_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adjudication_rule_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_adjudication_rule_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adjudication_rule_provider_id'), ['provider_id'], unique=False)

    op.create_table('plan_waiting_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.CheckConstraint('days >= 0', name=op.f('ck_plan_waiting_period_days_not_negative')),
    sa.ForeignKeyConstraint(['group_id'], ['procedure_group.id'], name=op.f('fk_plan_waiting_period_group_id_procedure_group')),
    sa.ForeignKeyConstraint(['plan_id'], ['health_plan.id'], name=op.f('fk_plan_waiting_period_plan_id_health_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_waiting_period')),
    sa.UniqueConstraint('plan_id', 'group_id', name=op.f('uq_plan_waiting_period_plan_id_group_id'))
    )
    with op.batch_alter_table('plan_waiting_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_waiting_period_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_waiting_period_plan_id'), ['plan_id'], unique=False)

    op.create_table('procedure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False, comment='TUSS'),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('sex', sa.String(length=1), nullable=True, comment='F, M or empty (both)'),
    sa.Column('min_age', sa.Integer(), nullable=True),
    sa.Column('max_age', sa.Integer(), nullable=True),
    sa.Column('requires_authorization', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('max_quantity', sa.Numeric(precision=9, scale=4), nullable=True, comment='per guide'),
    sa.Column('frequency_count', sa.Integer(), nullable=True, comment='at most N …'),
    sa.Column('frequency_days', sa.Integer(), nullable=True, comment='… in D days per beneficiary'),
    sa.Column('frequency_per_provider', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['procedure_group.id'], name=op.f('fk_procedure_group_id_procedure_group')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure')),
    sa.UniqueConstraint('code', name=op.f('uq_procedure_code'))
    )
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedure_group_id'), ['group_id'], unique=False)

    op.create_table('watched_provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_watched_provider_provider_id_provider')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watched_provider')),
    sa.UniqueConstraint('provider_id', name=op.f('uq_watched_provider_provider_id'))
    )
    op.create_table('prior_authorization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False, comment='senha'),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('procedure_code', sa.String(length=10), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=9, scale=4), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id'], name=op.f('fk_prior_authorization_beneficiary_id_beneficiary')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_prior_authorization_provider_id_provider')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prior_authorization')),
    sa.UniqueConstraint('number', name=op.f('uq_prior_authorization_number'))
    )
    with op.batch_alter_table('prior_authorization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prior_authorization_beneficiary_id'), ['beneficiary_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prior_authorization_provider_id'), ['provider_id'], unique=False)

    op.create_table('lot_adjudication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True, comment='sampled / above_limit / watched / findings'),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_lot_adjudication_lot_id_lot'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_lot_adjudication_provider_id_provider')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_adjudication')),
    sa.UniqueConstraint('lot_id', name=op.f('uq_lot_adjudication_lot_id'))
    )
    with op.batch_alter_table('lot_adjudication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_adjudication_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lot_adjudication_provider_id'), ['provider_id'], unique=False)

    op.create_table('adjudication_finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('guide_id', sa.Integer(), nullable=False),
    sa.Column('guide_item_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('applied', 'proposed', 'confirmed', 'removed', name='findingstatus', native_enum=False, length=32), nullable=False),
    sa.Column('glosa_id', sa.Integer(), nullable=True),
    sa.Column('removal_reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_adjudication_finding_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['glosa_id'], ['glosa.id'], name=op.f('fk_adjudication_finding_glosa_id_glosa'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['guide_id'], ['guide.id'], name=op.f('fk_adjudication_finding_guide_id_guide'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guide_item_id'], ['guide_item.id'], name=op.f('fk_adjudication_finding_guide_item_id_guide_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_adjudication_finding_lot_id_lot'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_adjudication_finding_provider_id_provider')),
    sa.ForeignKeyConstraint(['rule_id'], ['adjudication_rule.id'], name=op.f('fk_adjudication_finding_rule_id_adjudication_rule'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjudication_finding'))
    )
    with op.batch_alter_table('adjudication_finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adjudication_finding_guide_id'), ['guide_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adjudication_finding_guide_item_id'), ['guide_item_id'], unique=False)
        batch_op.create_index('ix_adjudication_finding_lot_status', ['lot_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_adjudication_finding_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index('ix_adjudication_finding_rule_created', ['rule_id', 'created_at'], unique=False)

    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('health_plan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('coverage_start', sa.Date(), nullable=True, comment='inclusão'))
        batch_op.add_column(sa.Column('coverage_end', sa.Date(), nullable=True, comment='exclusão'))
        batch_op.add_column(sa.Column('suspended_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('suspended_to', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_beneficiary_health_plan_id'), ['health_plan_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_beneficiary_health_plan_id_health_plan'), 'health_plan', ['health_plan_id'], ['id'])

    with op.batch_alter_table('guide', schema=None) as batch_op:
        batch_op.create_index('ix_guide_beneficiary_execution', ['beneficiary_id', 'execution_date'], unique=False)
        batch_op.create_index('ix_guide_execution_id', ['execution_date', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('guide', schema=None) as batch_op:
        batch_op.drop_index('ix_guide_execution_id')
        batch_op.drop_index('ix_guide_beneficiary_execution')

    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_beneficiary_health_plan_id_health_plan'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_beneficiary_health_plan_id'))
        batch_op.drop_column('suspended_to')
        batch_op.drop_column('suspended_from')
        batch_op.drop_column('coverage_end')
        batch_op.drop_column('coverage_start')
        batch_op.drop_column('health_plan_id')

    with op.batch_alter_table('adjudication_finding', schema=None) as batch_op:
        batch_op.drop_index('ix_adjudication_finding_rule_created')
        batch_op.drop_index(batch_op.f('ix_adjudication_finding_provider_id'))
        batch_op.drop_index('ix_adjudication_finding_lot_status')
        batch_op.drop_index(batch_op.f('ix_adjudication_finding_guide_item_id'))
        batch_op.drop_index(batch_op.f('ix_adjudication_finding_guide_id'))

    op.drop_table('adjudication_finding')
    with op.batch_alter_table('lot_adjudication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_adjudication_provider_id'))
        batch_op.drop_index(batch_op.f('ix_lot_adjudication_created_at'))

    op.drop_table('lot_adjudication')
    with op.batch_alter_table('prior_authorization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prior_authorization_provider_id'))
        batch_op.drop_index(batch_op.f('ix_prior_authorization_beneficiary_id'))

    op.drop_table('prior_authorization')
    op.drop_table('watched_provider')
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_group_id'))

    op.drop_table('procedure')
    with op.batch_alter_table('plan_waiting_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_waiting_period_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_waiting_period_group_id'))

    op.drop_table('plan_waiting_period')
    with op.batch_alter_table('adjudication_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adjudication_rule_provider_id'))
        batch_op.drop_index(batch_op.f('ix_adjudication_rule_plan_id'))
        batch_op.drop_index(batch_op.f('ix_adjudication_rule_kind'))
        batch_op.drop_index(batch_op.f('ix_adjudication_rule_group_id'))

    op.drop_table('adjudication_rule')
    op.drop_table('procedure_group')
    op.drop_table('health_plan')
    op.drop_table('adjudication_settings')
