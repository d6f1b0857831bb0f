"""Get prices and Get products: pending_price_changes (price changes over the shop's threshold
that wait for the merchant) and shop_configurations.price_change_threshold_percent

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=15, scale=2, asdecimal=True)


def upgrade():
    op.create_table(
        'pending_price_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('association_id', sa.Integer(), nullable=False),
        sa.Column('dropi_variation_id', sa.String(length=255), nullable=False),
        sa.Column('shopify_product_id', sa.String(length=255), nullable=False),
        sa.Column('shopify_variant_id', sa.String(length=255), nullable=False),
        sa.Column('product_title', sa.String(length=500), nullable=False),
        sa.Column('variant_label', sa.String(length=500), nullable=False),
        sa.Column('old_cost', MONEY, nullable=True),
        sa.Column('new_cost', MONEY, nullable=False),
        sa.Column('old_price', MONEY, nullable=True),
        sa.Column('new_price', MONEY, nullable=False),
        sa.Column('old_compare_at', MONEY, nullable=True),
        sa.Column('new_compare_at', MONEY, nullable=True),
        sa.Column('change_percent', sa.Numeric(precision=9, scale=1, asdecimal=True),
                  nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('decided_at', app.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['association_id'], ['product_associations.id'],
                                name=op.f('fk_pending_price_changes_association_id_product_associations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'],
                                name=op.f('fk_pending_price_changes_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_price_changes')),
        sa.UniqueConstraint('association_id', 'shopify_variant_id',
                            name=op.f('uq_pending_price_changes_association_id_shopify_variant_id')),
    )
    with op.batch_alter_table('pending_price_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_price_changes_association_id'),
                              ['association_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_price_changes_shop_id'), ['shop_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_pending_price_changes_status'), ['status'],
                              unique=False)
    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('price_change_threshold_percent',
                                      sa.Numeric(precision=5, scale=1, asdecimal=True),
                                      server_default='20', nullable=False))


def downgrade():
    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.drop_column('price_change_threshold_percent')
    with op.batch_alter_table('pending_price_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_price_changes_status'))
        batch_op.drop_index(batch_op.f('ix_pending_price_changes_shop_id'))
        batch_op.drop_index(batch_op.f('ix_pending_price_changes_association_id'))
    op.drop_table('pending_price_changes')
