"""stats: follow-ups per center and due day, and the triggers that note which days changed

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

# Each trigger notes the centers' due days whose counted follow-ups may have changed
# (stats/followup_rollups.py): a follow-up created, deleted, done, moved or re-pointed; a
# condition tag added, moved or dropped; a consent withdrawn or given back.
TRIGGERS = """
CREATE FUNCTION stats_note_followup_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.center_id, OLD.due_on, OLD.done_at, OLD.resident_id, OLD.condition)
            IS NOT DISTINCT FROM (NEW.center_id, NEW.due_on, NEW.done_at, NEW.resident_id, NEW.condition) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO stats_followup_changes (center_id, due_on) VALUES (OLD.center_id, OLD.due_on);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
            AND (NEW.center_id, NEW.due_on) IS DISTINCT FROM (OLD.center_id, OLD.due_on)) THEN
        INSERT INTO stats_followup_changes (center_id, due_on) VALUES (NEW.center_id, NEW.due_on);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER stats_followup_changed
    AFTER INSERT OR DELETE OR UPDATE OF center_id, due_on, done_at, resident_id, condition
    ON followups FOR EACH ROW EXECUTE FUNCTION stats_note_followup_change();

CREATE FUNCTION stats_note_condition_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO stats_followup_changes (center_id, due_on)
        SELECT center_id, due_on FROM followups
        WHERE resident_id = OLD.resident_id AND condition = OLD.condition;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO stats_followup_changes (center_id, due_on)
        SELECT center_id, due_on FROM followups
        WHERE resident_id = NEW.resident_id AND condition = NEW.condition;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER stats_condition_changed
    AFTER INSERT OR DELETE OR UPDATE ON resident_conditions
    FOR EACH ROW EXECUTE FUNCTION stats_note_condition_change();

CREATE FUNCTION stats_note_consent_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_followup_changes (center_id, due_on)
    SELECT f.center_id, f.due_on
    FROM resident_conditions rc
    JOIN followups f ON f.resident_id = rc.resident_id AND f.condition = rc.condition
    WHERE rc.consent_id = OLD.id;
    RETURN NULL;
END $$;

CREATE TRIGGER stats_consent_changed
    AFTER DELETE OR UPDATE OF withdrawn_at ON consents
    FOR EACH ROW EXECUTE FUNCTION stats_note_consent_change();
"""


def upgrade():
    op.create_table('stats_daily_followups',
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('followups', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('done_on_time', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('center_id', 'due_on', name=op.f('pk_stats_daily_followups'))
    )
    op.create_index(op.f('ix_stats_daily_followups_due_on'), 'stats_daily_followups', ['due_on'], unique=False)
    op.create_table('stats_followup_changes',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('statement_timestamp()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_followup_changes'))
    )
    op.create_index(op.f('ix_stats_followup_changes_due_on'), 'stats_followup_changes', ['due_on'], unique=False)
    op.add_column('stats_rollup_state', sa.Column('followups_rolled_up', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.execute(TRIGGERS)


def downgrade():
    op.execute("DROP TRIGGER stats_consent_changed ON consents")
    op.execute("DROP TRIGGER stats_condition_changed ON resident_conditions")
    op.execute("DROP TRIGGER stats_followup_changed ON followups")
    op.execute("DROP FUNCTION stats_note_consent_change()")
    op.execute("DROP FUNCTION stats_note_condition_change()")
    op.execute("DROP FUNCTION stats_note_followup_change()")
    op.drop_column('stats_rollup_state', 'followups_rolled_up')
    op.drop_index(op.f('ix_stats_followup_changes_due_on'), table_name='stats_followup_changes')
    op.drop_table('stats_followup_changes')
    op.drop_index(op.f('ix_stats_daily_followups_due_on'), table_name='stats_daily_followups')
    op.drop_table('stats_daily_followups')
