"""Add dropi_order_imports (each Dropi order placed outside the integration that the connector
creates in Shopify, written before Shopify is asked) and dropi_order_scans (each shop's cursor
over Dropi's orders by creation date)

Revision ID: 0016
Revises: 0017
Create Date: 2026-12-03 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dropi_order_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('dropi_order_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('sent_at', app.models.types.UTCDateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('shopify_order_id', sa.String(length=64), nullable=True),
        sa.Column('shopify_order_name', sa.String(length=64), nullable=True),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', app.models.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', app.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['order_records.id'],
                                name=op.f('fk_dropi_order_imports_order_id_order_records'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'],
                                name=op.f('fk_dropi_order_imports_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dropi_order_imports')),
        sa.UniqueConstraint('shop_id', 'dropi_order_id',
                            name=op.f('uq_dropi_order_imports_shop_id_dropi_order_id')),
    )
    with op.batch_alter_table('dropi_order_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dropi_order_imports_shop_id'), ['shop_id'],
                              unique=False)

    op.create_table(
        'dropi_order_scans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('last_started_at', app.models.types.UTCDateTime(), nullable=True),
        sa.Column('resume_start', sa.Integer(), nullable=False),
        sa.Column('resume_from', sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'],
                                name=op.f('fk_dropi_order_scans_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dropi_order_scans')),
        sa.UniqueConstraint('shop_id', name=op.f('uq_dropi_order_scans_shop_id')),
    )


def downgrade():
    op.drop_table('dropi_order_scans')
    with op.batch_alter_table('dropi_order_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dropi_order_imports_shop_id'))
    op.drop_table('dropi_order_imports')
