"""Add the AI agent's tool access: agent_keys (hashed, per mode), agent_tool_settings,
agent_confirmations (write previews confirmed once) and agent_calls (the audit log)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

from app.models.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agent_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=100), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('key_hint', sa.String(length=32), nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_used_at', UTCDateTime(), nullable=True),
        sa.Column('revoked_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'],
                                name=op.f('fk_agent_keys_shop_id_shops'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_keys')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_agent_keys_key_hash')),
    )
    with op.batch_alter_table('agent_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_keys_shop_id'), ['shop_id'], unique=False)

    op.create_table(
        'agent_tool_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('customers_may_cancel', sa.Boolean(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'],
                                name=op.f('fk_agent_tool_settings_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_tool_settings')),
        sa.UniqueConstraint('shop_id', name=op.f('uq_agent_tool_settings_shop_id')),
    )

    op.create_table(
        'agent_confirmations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('key_id', sa.Integer(), nullable=False),
        sa.Column('tool', sa.String(length=64), nullable=False),
        sa.Column('arguments_digest', sa.String(length=64), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('acted_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['key_id'], ['agent_keys.id'],
                                name=op.f('fk_agent_confirmations_key_id_agent_keys'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'],
                                name=op.f('fk_agent_confirmations_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_confirmations')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_agent_confirmations_token_hash')),
    )
    with op.batch_alter_table('agent_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_confirmations_shop_id'), ['shop_id'],
                              unique=False)

    op.create_table(
        'agent_calls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('key_id', sa.Integer(), nullable=True),
        sa.Column('key_hint', sa.String(length=32), nullable=True),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('transport', sa.String(length=8), nullable=False),
        sa.Column('tool', sa.String(length=64), nullable=False),
        sa.Column('arguments', sa.JSON(), nullable=False),
        sa.Column('outcome', sa.String(length=24), nullable=False),
        sa.Column('http_status', sa.Integer(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.Column('shopify_cost', sa.Integer(), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['key_id'], ['agent_keys.id'],
                                name=op.f('fk_agent_calls_key_id_agent_keys'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'],
                                name=op.f('fk_agent_calls_shop_id_shops'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_calls')),
    )
    with op.batch_alter_table('agent_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_calls_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_calls_tool'), ['tool'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_calls_created_at'), ['created_at'],
                              unique=False)


def downgrade():
    op.drop_table('agent_calls')
    op.drop_table('agent_confirmations')
    op.drop_table('agent_tool_settings')
    op.drop_table('agent_keys')
