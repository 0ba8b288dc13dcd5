"""member cards: printed for residents without a smartphone, one live card each

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('member_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('last_chars', sa.String(length=8), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint('(revoked_at IS NULL) = (revoked_by_id IS NULL) AND (revoked_at IS NULL) = (revoke_reason IS NULL)', name=op.f('ck_member_cards_revocation_complete')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['staff.id'], name=op.f('fk_member_cards_issued_by_id_staff')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_member_cards_resident_id_residents')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['staff.id'], name=op.f('fk_member_cards_revoked_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_cards')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_member_cards_code_hash'))
    )
    with op.batch_alter_table('member_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_cards_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index('uq_member_cards_live_resident', ['resident_id'], unique=True, postgresql_where=sa.text('revoked_at IS NULL'))


def downgrade():
    with op.batch_alter_table('member_cards', schema=None) as batch_op:
        batch_op.drop_index('uq_member_cards_live_resident', postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_member_cards_resident_id'))

    op.drop_table('member_cards')
