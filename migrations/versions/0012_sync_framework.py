"""Add sync_states, sync_runs and sync_log_entries: the automatic sync's schedule per shop and
option, its runs and the log per entity

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 16:43:02.306359

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sync_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('option', sa.String(length=32), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('entities', sa.JSON(), nullable=True),
    sa.Column('started_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checked', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('flagged', sa.Integer(), nullable=False),
    sa.Column('shopify_cost_points', sa.Integer(), nullable=False),
    sa.Column('shopify_requests', sa.Integer(), nullable=False),
    sa.Column('dropi_requests', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_sync_runs_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_runs'))
    )
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_runs_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index('ix_sync_runs_shop_option_started', ['shop_id', 'option', 'started_at'], unique=False)

    op.create_table('sync_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('option', sa.String(length=32), nullable=False),
    sa.Column('interval_minutes', sa.Integer(), nullable=True),
    sa.Column('next_run_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('requested_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('requested_entities', sa.JSON(), nullable=True),
    sa.Column('queued_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_holder', sa.String(length=64), nullable=True),
    sa.Column('lease_until', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('current_run_id', sa.Integer(), nullable=True),
    sa.Column('last_run_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_sync_states_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_states')),
    sa.UniqueConstraint('shop_id', 'option', name=op.f('uq_sync_states_shop_id_option'))
    )
    with op.batch_alter_table('sync_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_states_next_run_at'), ['next_run_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_states_shop_id'), ['shop_id'], unique=False)

    op.create_table('sync_log_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('option', sa.String(length=32), nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=255), nullable=False),
    sa.Column('label', sa.String(length=500), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['sync_runs.id'], name=op.f('fk_sync_log_entries_run_id_sync_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_sync_log_entries_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_log_entries'))
    )
    with op.batch_alter_table('sync_log_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_log_entries_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_log_entries_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_log_entries_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index('ix_sync_log_entries_shop_option_id', ['shop_id', 'option', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('sync_log_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_log_entries_shop_option_id')
        batch_op.drop_index(batch_op.f('ix_sync_log_entries_shop_id'))
        batch_op.drop_index(batch_op.f('ix_sync_log_entries_run_id'))
        batch_op.drop_index(batch_op.f('ix_sync_log_entries_created_at'))

    op.drop_table('sync_log_entries')
    with op.batch_alter_table('sync_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_states_shop_id'))
        batch_op.drop_index(batch_op.f('ix_sync_states_next_run_at'))

    op.drop_table('sync_states')
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_runs_shop_option_started')
        batch_op.drop_index(batch_op.f('ix_sync_runs_shop_id'))

    op.drop_table('sync_runs')
