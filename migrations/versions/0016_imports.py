"""imports: batches, their problems and rows; check-ins from paper (method import, recorded_at)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_checkins_method'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_checkins_method'), "method IN ('self', 'staff', 'import')"
        )
        batch_op.create_index(
            'ix_checkins_recorded_at',
            ['recorded_at'],
            unique=False,
            postgresql_where=sa.text('recorded_at IS NOT NULL'),
        )
    op.create_table(
        'import_batches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('center_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('file_sha256', sa.String(length=64), nullable=False),
        sa.Column('dry_run', sa.Boolean(), nullable=False),
        sa.Column('all_or_nothing', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('rows', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('processed', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('created', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('skipped', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('invalid', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('residents_created', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('events_created', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failure', sa.String(length=200), nullable=True),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('undone_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('residents', 'attendance', 'balances')",
            name=op.f('ck_import_batches_kind'),
        ),
        sa.CheckConstraint(
            "status IN ('checked', 'running', 'done', 'failed', 'undone')",
            name=op.f('ck_import_batches_status'),
        ),
        sa.ForeignKeyConstraint(
            ['center_id'], ['centers.id'], name=op.f('fk_import_batches_center_id_centers')
        ),
        sa.ForeignKeyConstraint(
            ['staff_id'], ['staff.id'], name=op.f('fk_import_batches_staff_id_staff')
        ),
        sa.ForeignKeyConstraint(
            ['undone_by_id'], ['staff.id'], name=op.f('fk_import_batches_undone_by_id_staff')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches')),
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_index('ix_import_batches_center_id', ['center_id', 'id'], unique=False)
    op.create_table(
        'import_problems',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('row', sa.Integer(), nullable=False),
        sa.Column('column', sa.String(length=20), nullable=True),
        sa.Column('code', sa.String(length=24), nullable=False),
        sa.Column('count', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['batch_id'], ['import_batches.id'],
            name=op.f('fk_import_problems_batch_id_import_batches'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_problems')),
    )
    with op.batch_alter_table('import_problems', schema=None) as batch_op:
        batch_op.create_index(
            'ix_import_problems_batch_id', ['batch_id', 'row', 'id'], unique=False
        )
    op.create_table(
        'import_rows',
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('row', sa.Integer(), nullable=False),
        sa.Column('who', sa.String(length=80), nullable=True),
        sa.Column('name', sa.String(length=64), nullable=True),
        sa.Column('phone', sa.String(length=20), nullable=True),
        sa.Column('day', sa.Date(), nullable=True),
        sa.Column('title', sa.String(length=100), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=True),
        sa.Column('points', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('source_key', sa.String(length=64), nullable=True),
        sa.Column('resident_id', sa.Integer(), nullable=True),
        sa.Column('made_resident', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('made_event', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('made_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=8), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('created', 'skipped', 'invalid')", name=op.f('ck_import_rows_outcome')
        ),
        sa.ForeignKeyConstraint(
            ['batch_id'], ['import_batches.id'],
            name=op.f('fk_import_rows_batch_id_import_batches'),
        ),
        sa.PrimaryKeyConstraint('batch_id', 'row', name=op.f('pk_import_rows')),
        postgresql_with={'fillfactor': 50},
    )
    with op.batch_alter_table('import_rows', schema=None) as batch_op:
        batch_op.create_index(
            'ix_import_rows_pending',
            ['batch_id', 'row'],
            unique=False,
            postgresql_where=sa.text('outcome IS NULL'),
        )


def downgrade():
    with op.batch_alter_table('import_rows', schema=None) as batch_op:
        batch_op.drop_index('ix_import_rows_pending', postgresql_where=sa.text('outcome IS NULL'))
    op.drop_table('import_rows')
    with op.batch_alter_table('import_problems', schema=None) as batch_op:
        batch_op.drop_index('ix_import_problems_batch_id')
    op.drop_table('import_problems')
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_import_batches_center_id')
    op.drop_table('import_batches')
    op.execute("UPDATE checkins SET method = 'staff' WHERE method = 'import'")
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_checkins_recorded_at', postgresql_where=sa.text('recorded_at IS NOT NULL')
        )
        batch_op.drop_constraint(op.f('ck_checkins_method'), type_='check')
        batch_op.create_check_constraint(op.f('ck_checkins_method'), "method IN ('self', 'staff')")
        batch_op.drop_column('recorded_at')
