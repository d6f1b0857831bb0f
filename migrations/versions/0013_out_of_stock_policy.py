"""Add product_associations.out_of_stock_policy (what stock sync does when a product runs out
at Dropi: zero, draft or continue) and out_of_stock_applied (the action stock sync took, so it
is undone once when stock returns)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('product_associations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('out_of_stock_policy', sa.String(length=16),
                                      nullable=False, server_default='zero'))
        batch_op.add_column(sa.Column('out_of_stock_applied', sa.String(length=16),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('product_associations', schema=None) as batch_op:
        batch_op.drop_column('out_of_stock_applied')
        batch_op.drop_column('out_of_stock_policy')
