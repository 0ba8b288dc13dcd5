"""imports: a batch of balances is undone in the background (status undoing)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-09

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_import_batches_status'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_import_batches_status'),
            "status IN ('checked', 'running', 'done', 'failed', 'undoing', 'undone')",
        )


def downgrade():
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_import_batches_status'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_import_batches_status'),
            "status IN ('checked', 'running', 'done', 'failed', 'undone')",
        )
