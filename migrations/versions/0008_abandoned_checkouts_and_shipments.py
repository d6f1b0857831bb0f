"""Abandoned checkouts (abandoned_checkouts), the abandoned-checkout and incident settings on
shop_configurations

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-03 13:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ecomdrop_incident_flow_id', sa.String(length=255),
                                      nullable=True))
        batch_op.add_column(sa.Column('abandoned_checkout_delay_minutes', sa.Integer(),
                                      nullable=False, server_default='60'))
        batch_op.add_column(sa.Column('abandoned_checkout_audience', sa.String(length=16),
                                      nullable=False, server_default='marketing'))

    op.create_table(
        'abandoned_checkouts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('checkout_id', sa.String(length=64), nullable=False),
        sa.Column('token', sa.String(length=255), nullable=True),
        sa.Column('phone', sa.String(length=64), nullable=True),
        sa.Column('email', sa.String(length=255), nullable=True),
        sa.Column('customer_name', sa.String(length=255), nullable=True),
        sa.Column('recovery_url', sa.Text(), nullable=True),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=True),
        sa.Column('accepts_marketing', sa.Boolean(), nullable=False),
        sa.Column('status', sa.Enum('waiting', 'sending', 'sent', 'unconfirmed', 'recovered',
                                    'skipped', name='recovery_status', native_enum=False,
                                    length=16), nullable=False),
        sa.Column('skip_reason', sa.String(length=32), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('checkout_updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('send_after', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('flow_requested_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recovered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('shopify_order_id', sa.String(length=64), nullable=True),
        sa.Column('ecomdrop_contact_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'],
                                name=op.f('fk_abandoned_checkouts_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_abandoned_checkouts')),
        sa.UniqueConstraint('shop_id', 'checkout_id',
                            name=op.f('uq_abandoned_checkouts_shop_id_checkout_id')),
    )
    with op.batch_alter_table('abandoned_checkouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_abandoned_checkouts_shop_id'), ['shop_id'])
        batch_op.create_index(batch_op.f('ix_abandoned_checkouts_token'), ['token'])
        batch_op.create_index(batch_op.f('ix_abandoned_checkouts_status'), ['status'])
        batch_op.create_index(batch_op.f('ix_abandoned_checkouts_send_after'), ['send_after'])


def downgrade():
    op.drop_table('abandoned_checkouts')
    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.drop_column('abandoned_checkout_audience')
        batch_op.drop_column('abandoned_checkout_delay_minutes')
        batch_op.drop_column('ecomdrop_incident_flow_id')
