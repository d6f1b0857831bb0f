"""Refunds and fulfillments from Shopify: refund lines and their worth, the fulfillments of each
order (outside ones too), the refund of a Dropi return on the shipment, the refunded Dropi line
to settle on the order, and the shop setting that lets a Dropi return refund in Shopify

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-03 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lines_amount', sa.Numeric(precision=14, scale=2),
                                      nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('lines', sa.JSON(), nullable=False,
                                      server_default='[]'))
    op.create_table(
        'order_fulfillments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('shopify_fulfillment_id', sa.String(length=64), nullable=False),
        sa.Column('shopify_order_id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=32), nullable=False),
        sa.Column('shipment_status', sa.String(length=32), nullable=True),
        sa.Column('carrier', sa.String(length=255), nullable=True),
        sa.Column('tracking_number', sa.String(length=255), nullable=True),
        sa.Column('tracking_url', sa.Text(), nullable=True),
        sa.Column('ours', sa.Boolean(), nullable=False),
        sa.Column('shopify_updated_at', app.models.types.UTCDateTime(), nullable=True),
        sa.Column('event_triggered_at', app.models.types.UTCDateTime(), nullable=True),
        sa.Column('created_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', app.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'],
                                name=op.f('fk_order_fulfillments_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_order_fulfillments')),
        sa.UniqueConstraint('shop_id', 'shopify_fulfillment_id',
                            name=op.f('uq_order_fulfillments_shop_id_shopify_fulfillment_id')),
    )
    with op.batch_alter_table('order_fulfillments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_fulfillments_shop_id'), ['shop_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_order_fulfillments_shopify_order_id'),
                              ['shopify_order_id'], unique=False)
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('return_refund_state', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('return_refund_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('return_refund_error', sa.Text(), nullable=True))
    with op.batch_alter_table('order_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_to_settle', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_dropi_returns', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.drop_column('refund_dropi_returns')
    with op.batch_alter_table('order_records', schema=None) as batch_op:
        batch_op.drop_column('refund_to_settle')
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_column('return_refund_error')
        batch_op.drop_column('return_refund_id')
        batch_op.drop_column('return_refund_state')
    with op.batch_alter_table('order_fulfillments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_fulfillments_shopify_order_id'))
        batch_op.drop_index(batch_op.f('ix_order_fulfillments_shop_id'))
    op.drop_table('order_fulfillments')
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_column('lines')
        batch_op.drop_column('lines_amount')
