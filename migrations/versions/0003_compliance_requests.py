"""Add compliance_requests: the privacy requests (data request, customer and shop redaction) the app handled

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:16:46.728087

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('compliance_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_domain', sa.String(length=255), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('webhook_event_id', sa.Integer(), nullable=True),
    sa.Column('shopify_customer_id', sa.String(length=64), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.Enum('completed', 'erased', name='compliance_status', native_enum=False, length=16), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('received_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['webhook_event_id'], ['webhook_events.id'], name=op.f('fk_compliance_requests_webhook_event_id_webhook_events'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compliance_requests')),
    sa.UniqueConstraint('webhook_event_id', name=op.f('uq_compliance_requests_webhook_event_id'))
    )
    with op.batch_alter_table('compliance_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compliance_requests_shop_domain'), ['shop_domain'], unique=False)



def downgrade():
    with op.batch_alter_table('compliance_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compliance_requests_shop_domain'))

    op.drop_table('compliance_requests')
