"""catalog, stock, redemptions and reservations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Stock movements are append-only on PostgreSQL, like the ledger.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('catalog_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('points_cost', sa.Integer(), nullable=False),
    sa.Column('image_path', sa.String(length=120), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('(true)'), nullable=False),
    sa.Column('limit_quantity', sa.Integer(), nullable=True),
    sa.Column('limit_period', sa.String(length=8), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(limit_quantity IS NULL) = (limit_period IS NULL)', name=op.f('ck_catalog_items_limit_has_period')),
    sa.CheckConstraint('limit_quantity IS NULL OR limit_quantity > 0', name=op.f('ck_catalog_items_limit_positive')),
    sa.CheckConstraint('points_cost > 0', name=op.f('ck_catalog_items_points_cost_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_items')),
    sa.UniqueConstraint('name', name=op.f('uq_catalog_items_name'))
    )
    op.create_table('stock_levels',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('on_hand', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('reserved', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('low_threshold', sa.Integer(), nullable=True),
    sa.CheckConstraint('low_threshold IS NULL OR low_threshold >= 0', name=op.f('ck_stock_levels_threshold')),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_stock_levels_on_hand_not_negative')),
    sa.CheckConstraint('reserved >= 0 AND reserved <= on_hand', name=op.f('ck_stock_levels_reserved_within')),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_stock_levels_center_id_centers')),
    sa.ForeignKeyConstraint(['item_id'], ['catalog_items.id'], name=op.f('fk_stock_levels_item_id_catalog_items')),
    sa.PrimaryKeyConstraint('item_id', 'center_id', name=op.f('pk_stock_levels'))
    )
    op.create_table('redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('points_spent', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pickup_code_hash', sa.String(length=64), nullable=True),
    sa.Column('fulfilled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint("status IN ('fulfilled', 'reserved', 'cancelled', 'expired')", name=op.f('ck_redemptions_status')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_redemptions_quantity_positive')),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['staff.id'], name=op.f('fk_redemptions_cancelled_by_id_staff')),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_redemptions_center_id_centers')),
    sa.ForeignKeyConstraint(['item_id'], ['catalog_items.id'], name=op.f('fk_redemptions_item_id_catalog_items')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_redemptions_resident_id_residents')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_redemptions_staff_id_staff')),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], name=op.f('fk_redemptions_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redemptions'))
    )
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.create_index('ix_redemptions_center_created_at', ['center_id', 'created_at'], unique=False)
        batch_op.create_index('ix_redemptions_open_expiry', ['expires_at'], unique=False, postgresql_where=sa.text("status = 'reserved'"), sqlite_where=sa.text("status = 'reserved'"))
        batch_op.create_index('ix_redemptions_resident_item', ['resident_id', 'item_id'], unique=False)
        batch_op.create_index('uq_redemptions_open_pickup_code', ['center_id', 'pickup_code_hash'], unique=True, postgresql_where=sa.text("status = 'reserved'"), sqlite_where=sa.text("status = 'reserved'"))

    op.create_table('stock_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('on_hand_delta', sa.Integer(), nullable=False),
    sa.Column('reserved_delta', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('redemption_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('received', 'redeemed', 'reserved', 'released', 'picked_up', 'returned', 'damaged', 'stock_take')", name=op.f('ck_stock_movements_kind')),
    sa.CheckConstraint('on_hand_delta <> 0 OR reserved_delta <> 0', name=op.f('ck_stock_movements_moves_something')),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_stock_movements_center_id_centers')),
    sa.ForeignKeyConstraint(['item_id'], ['catalog_items.id'], name=op.f('fk_stock_movements_item_id_catalog_items')),
    sa.ForeignKeyConstraint(['redemption_id'], ['redemptions.id'], name=op.f('fk_stock_movements_redemption_id_redemptions')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_stock_movements_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements'))
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index('ix_stock_movements_item_center', ['item_id', 'center_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON stock_movements "
            "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER stock_movements_append_only ON stock_movements")
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_movements_item_center')

    op.drop_table('stock_movements')
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_index('uq_redemptions_open_pickup_code', postgresql_where=sa.text("status = 'reserved'"), sqlite_where=sa.text("status = 'reserved'"))
        batch_op.drop_index('ix_redemptions_resident_item')
        batch_op.drop_index('ix_redemptions_open_expiry', postgresql_where=sa.text("status = 'reserved'"), sqlite_where=sa.text("status = 'reserved'"))
        batch_op.drop_index('ix_redemptions_center_created_at')

    op.drop_table('redemptions')
    op.drop_table('stock_levels')
    op.drop_table('catalog_items')
