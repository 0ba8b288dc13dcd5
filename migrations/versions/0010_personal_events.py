"""personal events belong to one resident; a resident's account can be closed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resident_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_events_resident_id'), ['resident_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_events_resident_id_residents'), 'residents', ['resident_id'], ['id']
        )

    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_column('closed_at')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_events_resident_id_residents'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_events_resident_id'))
        batch_op.drop_column('resident_id')
