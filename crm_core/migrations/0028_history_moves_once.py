# A deal's move through the pipeline is recorded once, as a DealMove (from, to, who, when): the
# history trigger of crm_core_deal leaves out the columns a move writes (the stage, when it was
# entered, when the deal closed, its place on the board), so the move is not written a second
# time as a field change, nor is every deal the move shifted down the column. The trigger
# function takes the columns to leave out as its arguments.
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION crm_core_record_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    diff jsonb;
    before jsonb := to_jsonb(OLD);
BEGIN
    SELECT jsonb_object_agg(key, jsonb_build_array(before -> key, value)) INTO diff
    FROM jsonb_each(to_jsonb(NEW))
    WHERE key NOT IN ('updated_at', 'version')
      AND (TG_NARGS = 0 OR NOT (key = ANY(TG_ARGV)))
      AND before -> key IS DISTINCT FROM value;
    IF diff IS NOT NULL THEN
        INSERT INTO crm_core_recordchange (table_name, record_id, changed_at, actor_id, changes)
        VALUES (TG_TABLE_NAME, NEW.id, clock_timestamp(),
                NULLIF(current_setting('tenantly.actor', true), '')::bigint, diff);
    END IF;
    RETURN NULL;
END
$$;
"""

MOVE_COLUMNS = "'stage_id', 'stage_entered_at', 'closed_at', 'board_position'"

FORWARD = f"""
{FUNCTION}
DROP TRIGGER IF EXISTS crm_core_deal_history ON crm_core_deal;
CREATE TRIGGER crm_core_deal_history AFTER UPDATE ON crm_core_deal
FOR EACH ROW EXECUTE FUNCTION crm_core_record_history({MOVE_COLUMNS});
"""

BACKWARD = """
DROP TRIGGER IF EXISTS crm_core_deal_history ON crm_core_deal;
CREATE TRIGGER crm_core_deal_history AFTER UPDATE ON crm_core_deal
FOR EACH ROW EXECUTE FUNCTION crm_core_record_history();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("crm_core", "0027_import_reading"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
