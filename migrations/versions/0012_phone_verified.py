"""a resident's phone verified by WeChat (one resident per verified number); privacy-policy
acceptances

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('uq_residents_verified_phone', ['phone'], unique=True, postgresql_where=sa.text('phone_verified_at IS NOT NULL'), sqlite_where=sa.text('phone_verified_at IS NOT NULL'))

    op.create_table('privacy_acceptances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_privacy_acceptances_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_acceptances')),
    sa.UniqueConstraint('resident_id', 'version', name=op.f('uq_privacy_acceptances_resident_id_version'))
    )


def downgrade():
    op.drop_table('privacy_acceptances')
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_index('uq_residents_verified_phone', postgresql_where=sa.text('phone_verified_at IS NOT NULL'), sqlite_where=sa.text('phone_verified_at IS NOT NULL'))
        batch_op.drop_column('phone_verified_at')
