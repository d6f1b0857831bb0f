"""Add webhook_events.lease_expires_at (the claim of the worker processing an event, so the
sweep can requeue events whose worker died) and an index on webhook_events.status

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-03 13:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_expires_at', app.models.types.UTCDateTime(),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_webhook_events_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_events_status'))
        batch_op.drop_column('lease_expires_at')
