"""Add shop_configurations.map_existing_products: item mapping runs only for shops that switch
"Match products already in Shopify" on (a matched product's orders go to Dropi)

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-03 18:03:49.623518

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('map_existing_products', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.drop_column('map_existing_products')
