-- Orleans reads one row from DeleteReminderRowKey (the number of rows deleted: 1, or 0 when the version no longer
-- matches) and fails with "Sequence contains no elements" on a bare DELETE, after the row was deleted. A data-modifying
-- CTE deletes and counts in one statement.
INSERT INTO orleansquery (querykey, querytext) VALUES
('DeleteReminderRowKey', '
    WITH deleted AS (
        DELETE FROM orleansreminderstable
        WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName AND version = @Version
        RETURNING 1)
    SELECT count(*)::integer FROM deleted;')
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
