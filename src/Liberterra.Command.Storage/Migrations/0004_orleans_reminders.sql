-- Orleans ADO.NET reminders, matching Microsoft.Orleans.Reminders.AdoNet 10.4.2 (no cron columns in that version).
CREATE TABLE IF NOT EXISTS orleansreminderstable
(
    serviceid    varchar(150)   NOT NULL,
    grainid      varchar(150)   NOT NULL,
    remindername varchar(150)   NOT NULL,
    starttime    timestamptz(3) NOT NULL,
    period       bigint         NOT NULL,
    grainhash    integer        NOT NULL,
    version      integer        NOT NULL,
    CONSTRAINT pk_reminderstable_serviceid_grainid_remindername PRIMARY KEY (serviceid, grainid, remindername)
);

INSERT INTO orleansquery (querykey, querytext) VALUES
('UpsertReminderRowKey', '
    INSERT INTO orleansreminderstable AS r (serviceid, grainid, remindername, starttime, period, grainhash, version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period::bigint, @GrainHash, 0)
    ON CONFLICT (serviceid, grainid, remindername) DO UPDATE
        SET starttime = EXCLUDED.starttime, period = EXCLUDED.period, grainhash = EXCLUDED.grainhash,
            version = r.version + 1
    RETURNING version;'),
('ReadReminderRowsKey', '
    SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
    WHERE serviceid = @ServiceId AND grainid = @GrainId;'),
('ReadReminderRowKey', '
    SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
    WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName;'),
('ReadRangeRows1Key', '
    SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
    WHERE serviceid = @ServiceId AND grainhash > @BeginHash AND grainhash <= @EndHash;'),
('ReadRangeRows2Key', '
    SELECT grainid, remindername, starttime, period, version FROM orleansreminderstable
    WHERE serviceid = @ServiceId AND (grainhash > @BeginHash OR grainhash <= @EndHash);'),
('DeleteReminderRowKey', '
    DELETE FROM orleansreminderstable
    WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName AND version = @Version;'),
('DeleteReminderRowsKey', '
    DELETE FROM orleansreminderstable WHERE serviceid = @ServiceId;')
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
