"""Add agent_profile_versions (each saved agent profile), agent_ecomdrop_links (the bot field
the compiled profile is written to, and the alerts flow) and merchant_notifications (alerts
sent to the merchant's contacts)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agent_profile_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.Column('restored_from', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'],
                                name=op.f('fk_agent_profile_versions_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_profile_versions')),
        sa.UniqueConstraint('shop_id', 'number',
                            name=op.f('uq_agent_profile_versions_shop_id_number')),
    )
    with op.batch_alter_table('agent_profile_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_profile_versions_shop_id'), ['shop_id'],
                              unique=False)

    op.create_table(
        'agent_ecomdrop_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('profile_field_id', sa.String(length=32), nullable=True),
        sa.Column('profile_field_name', sa.String(length=255), nullable=True),
        sa.Column('written_digest', sa.String(length=64), nullable=True),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claimed_digest', sa.String(length=64), nullable=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('pending_since', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('alert_flow_id', sa.String(length=64), nullable=True),
        sa.Column('alert_flow_name', sa.String(length=255), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'],
                                name=op.f('fk_agent_ecomdrop_links_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_ecomdrop_links')),
        sa.UniqueConstraint('shop_id', name=op.f('uq_agent_ecomdrop_links_shop_id')),
    )

    op.create_table(
        'merchant_notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('request_key', sa.String(length=80), nullable=False),
        sa.Column('status', sa.Enum('sending', 'sent', 'failed',
                                    name='notification_status', native_enum=False, length=20),
                  nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'],
                                name=op.f('fk_merchant_notifications_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_merchant_notifications')),
        sa.UniqueConstraint('shop_id', 'request_key',
                            name=op.f('uq_merchant_notifications_shop_id_request_key')),
    )
    with op.batch_alter_table('merchant_notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merchant_notifications_shop_id'), ['shop_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_merchant_notifications_created_at'),
                              ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('merchant_notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merchant_notifications_created_at'))
        batch_op.drop_index(batch_op.f('ix_merchant_notifications_shop_id'))
    op.drop_table('merchant_notifications')
    op.drop_table('agent_ecomdrop_links')
    with op.batch_alter_table('agent_profile_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_profile_versions_shop_id'))
    op.drop_table('agent_profile_versions')
