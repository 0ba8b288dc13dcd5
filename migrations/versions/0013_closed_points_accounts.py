"""a closed resident's points account is closed too, under its lock

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('points_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
    # Accounts of residents who closed theirs before this column existed.
    op.execute(
        "UPDATE points_accounts SET closed_at = residents.closed_at FROM residents "
        "WHERE residents.id = points_accounts.resident_id AND residents.closed_at IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('points_accounts', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
