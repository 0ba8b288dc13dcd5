"""linking and merging residents: one-time link codes; merged records, where they went and why

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merge_reason', sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_residents_merged_into_id_residents'), 'residents', ['merged_into_id'], ['id']
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_residents_merged_is_closed'),
            'merged_into_id IS NULL OR closed_at IS NOT NULL',
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_residents_merge_reason'),
            'merge_reason IS NULL OR merged_into_id IS NOT NULL',
        )
        batch_op.create_index(
            'ix_residents_merged_into_id',
            ['merged_into_id'],
            unique=False,
            postgresql_where=sa.text('merged_into_id IS NOT NULL'),
        )

    op.create_table(
        'link_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('used_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(
            '(used_at IS NULL) = (used_by_id IS NULL)', name=op.f('ck_link_codes_use_complete')
        ),
        sa.ForeignKeyConstraint(
            ['issued_by_id'], ['staff.id'], name=op.f('fk_link_codes_issued_by_id_staff')
        ),
        sa.ForeignKeyConstraint(
            ['resident_id'], ['residents.id'], name=op.f('fk_link_codes_resident_id_residents')
        ),
        sa.ForeignKeyConstraint(
            ['used_by_id'], ['residents.id'], name=op.f('fk_link_codes_used_by_id_residents')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_link_codes')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_link_codes_code_hash')),
    )
    with op.batch_alter_table('link_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_codes_resident_id'), ['resident_id'], unique=False)


def downgrade():
    with op.batch_alter_table('link_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_codes_resident_id'))
    op.drop_table('link_codes')
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_index('ix_residents_merged_into_id')
        batch_op.drop_constraint(batch_op.f('ck_residents_merge_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_residents_merged_is_closed'), type_='check')
        batch_op.drop_constraint(
            batch_op.f('fk_residents_merged_into_id_residents'), type_='foreignkey'
        )
        batch_op.drop_column('merge_reason')
        batch_op.drop_column('merged_into_id')
