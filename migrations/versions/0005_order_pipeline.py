"""Order pipeline: order records with a state per step, their event timeline, the Dropi city
merchants picked per address, and the confirmation policy and callback secret per shop

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 13:30:45.678987

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('order_city_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('address_key', sa.String(length=500), nullable=False),
    sa.Column('department', sa.String(length=255), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('city', sa.String(length=255), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('cod_dane', sa.String(length=16), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_order_city_choices_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_city_choices')),
    sa.UniqueConstraint('shop_id', 'country', 'address_key', name=op.f('uq_order_city_choices_shop_id_country_address_key'))
    )
    with op.batch_alter_table('order_city_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_city_choices_shop_id'), ['shop_id'], unique=False)

    op.create_table('order_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('shopify_order_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('shopify_created_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('shopify_updated_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_name', sa.String(length=255), nullable=False),
    sa.Column('last_name', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('phone_as_given', sa.String(length=64), nullable=True),
    sa.Column('address1', sa.String(length=500), nullable=False),
    sa.Column('address2', sa.String(length=500), nullable=False),
    sa.Column('city', sa.String(length=255), nullable=False),
    sa.Column('province', sa.String(length=255), nullable=False),
    sa.Column('zip_code', sa.String(length=32), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('gateway', sa.String(length=255), nullable=False),
    sa.Column('cash_on_delivery', sa.Boolean(), nullable=False),
    sa.Column('financial_status', sa.String(length=32), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('subtotal', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('shipping_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('has_dropi_lines', sa.Boolean(), nullable=False),
    sa.Column('has_other_lines', sa.Boolean(), nullable=False),
    sa.Column('confirmation_code', sa.String(length=32), nullable=False),
    sa.Column('confirmation_answer', sa.String(length=16), nullable=True),
    sa.Column('confirmation_source', sa.String(length=16), nullable=True),
    sa.Column('confirmation_answered_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmation_deadline', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ecomdrop_contact_id', sa.String(length=64), nullable=True),
    sa.Column('dropi_department', sa.String(length=255), nullable=True),
    sa.Column('dropi_city', sa.String(length=255), nullable=True),
    sa.Column('dropi_city_id', sa.Integer(), nullable=True),
    sa.Column('dropi_cod_dane', sa.String(length=16), nullable=True),
    sa.Column('dropi_carrier_id', sa.Integer(), nullable=True),
    sa.Column('dropi_carrier_name', sa.String(length=255), nullable=True),
    sa.Column('dropi_order_id', sa.Integer(), nullable=True),
    sa.Column('dropi_status', sa.String(length=64), nullable=True),
    sa.Column('dropi_shipping_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('dropi_total_order', sa.Integer(), nullable=True),
    sa.Column('dropi_guide', sa.String(length=128), nullable=True),
    sa.Column('dropi_carrier', sa.String(length=255), nullable=True),
    sa.Column('cancelled_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('needs_attention', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_order_records_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_records')),
    sa.UniqueConstraint('confirmation_code', name=op.f('uq_order_records_confirmation_code')),
    sa.UniqueConstraint('shop_id', 'shopify_order_id', name=op.f('uq_order_records_shop_id_shopify_order_id'))
    )
    with op.batch_alter_table('order_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_records_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_records_needs_attention'), ['needs_attention'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_records_shop_id'), ['shop_id'], unique=False)

    op.create_table('order_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=16), nullable=True),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['order_records.id'], name=op.f('fk_order_events_order_id_order_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_order_events_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_events'))
    )
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_events_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_events_shop_id'), ['shop_id'], unique=False)

    op.create_table('order_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Enum('whatsapp', 'confirmation', 'dropi', 'cancellation', name='order_step_name', native_enum=False, length=16), nullable=False),
    sa.Column('state', sa.Enum('pending', 'running', 'waiting', 'done', 'skipped', 'failed', 'held', name='order_step_state', native_enum=False, length=16), nullable=False),
    sa.Column('reason', sa.String(length=48), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_token', sa.String(length=32), nullable=True),
    sa.Column('lease_until', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('progress', sa.JSON(), nullable=False),
    sa.Column('started_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['order_records.id'], name=op.f('fk_order_steps_order_id_order_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_order_steps_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_steps')),
    sa.UniqueConstraint('order_id', 'name', name=op.f('uq_order_steps_order_id_name'))
    )
    with op.batch_alter_table('order_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_steps_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_steps_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_steps_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_steps_state'), ['state'], unique=False)

    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmation_policy', sa.String(length=16), nullable=False,
                                      server_default='send_at_once'))
        batch_op.add_column(sa.Column('confirmation_timeout_minutes', sa.Integer(), nullable=False,
                                      server_default='1440'))
        batch_op.add_column(sa.Column('confirmation_timeout_action', sa.String(length=16), nullable=False,
                                      server_default='merchant'))
        batch_op.add_column(sa.Column('preferred_carrier', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('callback_secret_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('callback_secret_created_at', app.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ecomdrop_order_fields', sa.JSON(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_shop_configurations_callback_secret_hash'), ['callback_secret_hash'])



def downgrade():
    with op.batch_alter_table('shop_configurations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_shop_configurations_callback_secret_hash'), type_='unique')
        batch_op.drop_column('ecomdrop_order_fields')
        batch_op.drop_column('callback_secret_created_at')
        batch_op.drop_column('callback_secret_hash')
        batch_op.drop_column('preferred_carrier')
        batch_op.drop_column('confirmation_timeout_action')
        batch_op.drop_column('confirmation_timeout_minutes')
        batch_op.drop_column('confirmation_policy')

    with op.batch_alter_table('order_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_steps_state'))
        batch_op.drop_index(batch_op.f('ix_order_steps_shop_id'))
        batch_op.drop_index(batch_op.f('ix_order_steps_order_id'))
        batch_op.drop_index(batch_op.f('ix_order_steps_next_attempt_at'))

    op.drop_table('order_steps')
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_events_shop_id'))
        batch_op.drop_index(batch_op.f('ix_order_events_order_id'))

    op.drop_table('order_events')
    with op.batch_alter_table('order_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_records_shop_id'))
        batch_op.drop_index(batch_op.f('ix_order_records_needs_attention'))
        batch_op.drop_index(batch_op.f('ix_order_records_created_at'))

    op.drop_table('order_records')
    with op.batch_alter_table('order_city_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_city_choices_shop_id'))

    op.drop_table('order_city_choices')
