"""staff e-mail and weekly report opt-in; the weekly reports mailed

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-10

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
# After the follow-ups' rollup on main; the lead re-chains at merge.
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(
            sa.Column('weekly_report', sa.Boolean(), server_default=sa.text('false'), nullable=False)
        )
    op.create_table(
        'stats_weekly_report_mails',
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('week_start', sa.Date(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['staff_id'], ['staff.id'], name=op.f('fk_stats_weekly_report_mails_staff_id_staff')
        ),
        sa.PrimaryKeyConstraint('staff_id', 'week_start', name=op.f('pk_stats_weekly_report_mails')),
    )


def downgrade():
    op.drop_table('stats_weekly_report_mails')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('weekly_report')
        batch_op.drop_column('email')
