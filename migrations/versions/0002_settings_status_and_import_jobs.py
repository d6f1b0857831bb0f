"""Integration status on the shop configuration, import preferences on associations, bulk import jobs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:15:46.781687

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'completed', 'failed', 'cancelled', name='import_job_status', native_enum=False, length=16), nullable=False),
    sa.Column('preferences', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('succeeded', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('current_item', sa.String(length=500), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_import_jobs_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs'))
    )
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_jobs_shop_id'), ['shop_id'], unique=False)

    op.create_table('import_job_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('dropi_product_id', sa.String(length=255), nullable=False),
    sa.Column('dropi_name', sa.String(length=500), nullable=True),
    sa.Column('status', sa.Enum('pending', 'done', 'failed', name='import_item_status', native_enum=False, length=16), nullable=False),
    sa.Column('shopify_product_id', sa.String(length=255), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['import_jobs.id'], name=op.f('fk_import_job_items_job_id_import_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_import_job_items_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_job_items')),
    sa.UniqueConstraint('job_id', 'dropi_product_id', name=op.f('uq_import_job_items_job_id_dropi_product_id'))
    )
    with op.batch_alter_table('import_job_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_job_items_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_job_items_shop_id'), ['shop_id'], unique=False)

    with op.batch_alter_table('product_associations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dropi_country', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('custom_title', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('custom_description', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('compare_at_rule', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('price_ending', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('min_margin_percent', sa.Numeric(precision=5, scale=2), nullable=True))
        batch_op.add_column(sa.Column('product_status', sa.String(length=16), nullable=False, server_default='DRAFT'))
        batch_op.add_column(sa.Column('last_sync_error', sa.Text(), nullable=True))

    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dropi_last_success_at', app.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dropi_last_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('ecomdrop_last_success_at', app.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ecomdrop_last_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('ecomdrop_dropi_token_field_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('ecomdrop_dropi_token_synced_at', app.models.types.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.drop_column('ecomdrop_dropi_token_synced_at')
        batch_op.drop_column('ecomdrop_dropi_token_field_id')
        batch_op.drop_column('ecomdrop_last_error')
        batch_op.drop_column('ecomdrop_last_success_at')
        batch_op.drop_column('dropi_last_error')
        batch_op.drop_column('dropi_last_success_at')

    with op.batch_alter_table('product_associations', schema=None) as batch_op:
        batch_op.drop_column('last_sync_error')
        batch_op.drop_column('product_status')
        batch_op.drop_column('min_margin_percent')
        batch_op.drop_column('price_ending')
        batch_op.drop_column('compare_at_rule')
        batch_op.drop_column('custom_description')
        batch_op.drop_column('custom_title')
        batch_op.drop_column('dropi_country')

    with op.batch_alter_table('import_job_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_job_items_shop_id'))
        batch_op.drop_index(batch_op.f('ix_import_job_items_job_id'))

    op.drop_table('import_job_items')
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_jobs_shop_id'))

    op.drop_table('import_jobs')
