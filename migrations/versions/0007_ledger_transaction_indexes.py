"""ledger transactions keep no index that no query reads

The resident's index served no query (a history is read through the entries), and the
reversal's unique index held a NULL for every transaction that reverses nothing. Both cost
every check-in a random index page.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ONLY_REVERSALS = sa.text('reverses_id IS NOT NULL')


def upgrade():
    with op.batch_alter_table('ledger_transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_transactions_resident_id')
        batch_op.drop_constraint('uq_ledger_transactions_reverses_id', type_='unique')
        batch_op.create_index(
            'uq_ledger_transactions_reverses_id',
            ['reverses_id'],
            unique=True,
            postgresql_where=ONLY_REVERSALS,
            sqlite_where=ONLY_REVERSALS,
        )


def downgrade():
    with op.batch_alter_table('ledger_transactions', schema=None) as batch_op:
        batch_op.drop_index('uq_ledger_transactions_reverses_id')
        batch_op.create_unique_constraint('uq_ledger_transactions_reverses_id', ['reverses_id'])
        batch_op.create_index('ix_ledger_transactions_resident_id', ['resident_id'], unique=False)
