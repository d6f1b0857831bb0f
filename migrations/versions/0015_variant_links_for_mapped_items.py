"""Variant links for item mapping: a Shopify variant that matched nothing at Dropi keeps its
link (no association, the reason in details_error), and every link remembers the barcode it was
matched with

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('variant_links', schema=None) as batch_op:
        batch_op.alter_column('association_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('barcode', sa.String(length=255), nullable=True))


def downgrade():
    op.execute("DELETE FROM variant_links WHERE association_id IS NULL")
    with op.batch_alter_table('variant_links', schema=None) as batch_op:
        batch_op.drop_column('barcode')
        batch_op.alter_column('association_id', existing_type=sa.Integer(), nullable=False)
