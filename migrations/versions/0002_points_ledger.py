"""points ledger

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

On PostgreSQL a trigger refuses UPDATE and DELETE on the append-only ledger tables.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

#: Tables whose rows are written once and never changed or removed.
APPEND_ONLY = ("ledger_transactions", "ledger_entries", "lot_allocations")


def upgrade():
    op.create_table('idempotency_keys',
    sa.Column('principal', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('principal', 'key', name=op.f('pk_idempotency_keys'))
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_keys_created_at'), ['created_at'], unique=False)

    op.create_table('earning_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=True),
    sa.Column('activity', sa.String(length=16), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('daily_cap', sa.Integer(), nullable=True),
    sa.Column('monthly_cap', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('daily_cap IS NULL OR daily_cap > 0', name=op.f('ck_earning_rules_daily_cap_positive')),
    sa.CheckConstraint('monthly_cap IS NULL OR monthly_cap > 0', name=op.f('ck_earning_rules_monthly_cap_positive')),
    sa.CheckConstraint('points >= 0', name=op.f('ck_earning_rules_points_not_negative')),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_earning_rules_center_id_centers')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['staff.id'], name=op.f('fk_earning_rules_updated_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_earning_rules'))
    )
    with op.batch_alter_table('earning_rules', schema=None) as batch_op:
        batch_op.create_index('uq_earning_rules_center_activity', ['center_id', 'activity'], unique=True, postgresql_where=sa.text('center_id IS NOT NULL'), sqlite_where=sa.text('center_id IS NOT NULL'))
        batch_op.create_index('uq_earning_rules_district_activity', ['activity'], unique=True, postgresql_where=sa.text('center_id IS NULL'), sqlite_where=sa.text('center_id IS NULL'))

    op.create_table('earning_counters',
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('activity', sa.String(length=16), nullable=False),
    sa.Column('period', sa.String(length=12), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.CheckConstraint('points >= 0', name=op.f('ck_earning_counters_points_not_negative')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_earning_counters_resident_id_residents')),
    sa.PrimaryKeyConstraint('resident_id', 'activity', 'period', name=op.f('pk_earning_counters'))
    )
    op.create_table('ledger_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('source_type', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=True),
    sa.Column('center_id', sa.Integer(), nullable=True),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('earn', 'redeem', 'refund', 'adjust', 'expire')", name=op.f('ck_ledger_transactions_kind')),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_ledger_transactions_amount_not_zero')),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_ledger_transactions_center_id_centers')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_ledger_transactions_resident_id_residents')),
    sa.ForeignKeyConstraint(['reverses_id'], ['ledger_transactions.id'], name=op.f('fk_ledger_transactions_reverses_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_transactions')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_ledger_transactions_reverses_id')),
    sa.UniqueConstraint('source_type', 'source_id', 'kind', name='uq_ledger_transactions_source')
    )
    with op.batch_alter_table('ledger_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_transactions_center_id'), ['center_id'], unique=False)
        batch_op.create_index('ix_ledger_transactions_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_transactions_resident_id'), ['resident_id'], unique=False)

    op.create_table('points_accounts',
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('balance', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('reserved', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('chain_head', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_points_accounts_balance_not_negative')),
    sa.CheckConstraint('reserved >= 0 AND reserved <= balance', name=op.f('ck_points_accounts_reserved_within_balance')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_points_accounts_resident_id_residents')),
    sa.PrimaryKeyConstraint('resident_id', name=op.f('pk_points_accounts'))
    )
    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('balance_after', sa.Integer(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('balance_after >= 0', name=op.f('ck_ledger_entries_balance_after_not_negative')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_ledger_entries_resident_id_residents')),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], name=op.f('fk_ledger_entries_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('resident_id', 'seq', name='uq_ledger_entries_resident_seq')
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('points_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('source_type', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('capture_transaction_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('held', 'captured', 'released')", name=op.f('ck_points_holds_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_points_holds_amount_positive')),
    sa.ForeignKeyConstraint(['capture_transaction_id'], ['ledger_transactions.id'], name=op.f('fk_points_holds_capture_transaction_id_ledger_transactions')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_points_holds_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_holds')),
    sa.UniqueConstraint('source_type', 'source_id', name='uq_points_holds_source')
    )
    with op.batch_alter_table('points_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_holds_resident_id'), ['resident_id'], unique=False)

    op.create_table('points_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_points_lots_amount_positive')),
    sa.CheckConstraint('remaining >= 0 AND remaining <= amount', name=op.f('ck_points_lots_remaining_within_amount')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_points_lots_resident_id_residents')),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], name=op.f('fk_points_lots_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_lots'))
    )
    with op.batch_alter_table('points_lots', schema=None) as batch_op:
        batch_op.create_index('ix_points_lots_due', ['expires_at'], unique=False, postgresql_where=sa.text('remaining > 0'), sqlite_where=sa.text('remaining > 0'))
        batch_op.create_index('ix_points_lots_live', ['resident_id', 'expires_at'], unique=False, postgresql_where=sa.text('remaining > 0'), sqlite_where=sa.text('remaining > 0'))
        batch_op.create_index(batch_op.f('ix_points_lots_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('lot_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_lot_allocations_amount_not_zero')),
    sa.ForeignKeyConstraint(['lot_id'], ['points_lots.id'], name=op.f('fk_lot_allocations_lot_id_points_lots')),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], name=op.f('fk_lot_allocations_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_allocations')),
    sa.UniqueConstraint('lot_id', 'transaction_id', name='uq_lot_allocations_lot_transaction')
    )
    with op.batch_alter_table('lot_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_allocations_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lot_allocations_transaction_id'), ['transaction_id'], unique=False)


    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: write a reversing transaction instead',
                    TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
            END $$
            """
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION ledger_append_only()")
    with op.batch_alter_table('lot_allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_allocations_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_lot_allocations_lot_id'))

    op.drop_table('lot_allocations')
    with op.batch_alter_table('points_lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_lots_transaction_id'))
        batch_op.drop_index('ix_points_lots_live', postgresql_where=sa.text('remaining > 0'), sqlite_where=sa.text('remaining > 0'))
        batch_op.drop_index('ix_points_lots_due', postgresql_where=sa.text('remaining > 0'), sqlite_where=sa.text('remaining > 0'))

    op.drop_table('points_lots')
    with op.batch_alter_table('points_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_holds_resident_id'))

    op.drop_table('points_holds')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_transaction_id'))

    op.drop_table('ledger_entries')
    op.drop_table('points_accounts')
    with op.batch_alter_table('ledger_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_transactions_resident_id'))
        batch_op.drop_index('ix_ledger_transactions_created_at')
        batch_op.drop_index(batch_op.f('ix_ledger_transactions_center_id'))

    op.drop_table('ledger_transactions')
    op.drop_table('earning_counters')
    with op.batch_alter_table('earning_rules', schema=None) as batch_op:
        batch_op.drop_index('uq_earning_rules_district_activity', postgresql_where=sa.text('center_id IS NULL'), sqlite_where=sa.text('center_id IS NULL'))
        batch_op.drop_index('uq_earning_rules_center_activity', postgresql_where=sa.text('center_id IS NOT NULL'), sqlite_where=sa.text('center_id IS NOT NULL'))

    op.drop_table('earning_rules')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_created_at'))

    op.drop_table('idempotency_keys')
