"""Add shop_configurations.dropi_refused_caller_ip (the IP Dropi named when it refused this app's
server) and ecomdrop_dropi_token_field_choice (the Ecomdrop bot field id a merchant entered)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dropi_refused_caller_ip', sa.String(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column('ecomdrop_dropi_token_field_choice', sa.String(length=64),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.drop_column('ecomdrop_dropi_token_field_choice')
        batch_op.drop_column('dropi_refused_caller_ip')
