"""Abandoned checkouts (abandoned_checkouts), the abandoned-checkout and incident settings on
shop_configurations, Dropi shipments (shipments, shipment_statuses, shipment_polls)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
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

    op.create_table(
        'shipments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('dropi_order_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=64), nullable=True),
        sa.Column('status_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('phase', sa.String(length=16), nullable=False),
        sa.Column('guide', sa.String(length=128), nullable=True),
        sa.Column('carrier', sa.String(length=255), nullable=True),
        sa.Column('sticker', sa.String(length=255), nullable=True),
        sa.Column('shopify_fulfillment_id', sa.String(length=255), nullable=True),
        sa.Column('fulfilled_guide', sa.String(length=128), nullable=True),
        sa.Column('outcome_recorded', sa.String(length=16), nullable=True),
        sa.Column('shopify_lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('shopify_error', sa.Text(), nullable=True),
        sa.Column('incident_text', sa.Text(), nullable=True),
        sa.Column('incident_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('incident_open', sa.Boolean(), nullable=False),
        sa.Column('incident_flow_key', sa.String(length=64), nullable=True),
        sa.Column('incident_flow_state', sa.String(length=16), nullable=True),
        sa.Column('incident_flow_error', sa.Text(), nullable=True),
        sa.Column('last_hint_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_hint_key', sa.String(length=200), nullable=True),
        sa.Column('hint_confirm_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['order_records.id'],
                                name=op.f('fk_shipments_order_id_order_records'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_shipments_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments')),
        sa.UniqueConstraint('order_id', name=op.f('uq_shipments_order_id')),
    )
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipments_shop_id'), ['shop_id'])
        batch_op.create_index(batch_op.f('ix_shipments_dropi_order_id'), ['dropi_order_id'])
        batch_op.create_index(batch_op.f('ix_shipments_phase'), ['phase'])
        batch_op.create_index(batch_op.f('ix_shipments_incident_open'), ['incident_open'])

    op.create_table(
        'shipment_statuses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('shipment_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('guide', sa.String(length=128), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'],
                                name=op.f('fk_shipment_statuses_shipment_id_shipments'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'],
                                name=op.f('fk_shipment_statuses_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_statuses')),
    )
    with op.batch_alter_table('shipment_statuses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipment_statuses_shop_id'), ['shop_id'])
        batch_op.create_index(batch_op.f('ix_shipment_statuses_shipment_id'), ['shipment_id'])

    op.create_table(
        'shipment_polls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_requests', sa.Integer(), nullable=False),
        sa.Column('last_orders_seen', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resume_start', sa.Integer(), nullable=False, server_default='0'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'],
                                name=op.f('fk_shipment_polls_shop_id_shops'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_polls')),
        sa.UniqueConstraint('shop_id', name=op.f('uq_shipment_polls_shop_id')),
    )


def downgrade():
    op.drop_table('shipment_polls')
    op.drop_table('shipment_statuses')
    op.drop_table('shipments')
    op.drop_table('abandoned_checkouts')
    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.drop_column('abandoned_checkout_audience')
        batch_op.drop_column('abandoned_checkout_delay_minutes')
        batch_op.drop_column('ecomdrop_incident_flow_id')
