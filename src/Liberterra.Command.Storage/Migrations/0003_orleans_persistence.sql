-- Orleans ADO.NET grain storage, matching Microsoft.Orleans.Persistence.AdoNet 10.4.2 (which binds the state as
-- @PayloadBinary only; the JSON and XML columns stay for schema compatibility and are left NULL).
-- Here it holds operation snapshots: a cache of the timeline's fold, never the source of truth.
CREATE TABLE IF NOT EXISTS orleansstorage
(
    grainidhash            integer       NOT NULL,
    grainidn0              bigint        NOT NULL,
    grainidn1              bigint        NOT NULL,
    graintypehash          integer       NOT NULL,
    graintypestring        varchar(512)  NOT NULL,
    grainidextensionstring varchar(512)  NULL,
    serviceid              varchar(150)  NOT NULL,
    payloadbinary          bytea         NULL,
    payloadxml             xml           NULL,
    payloadjson            text          NULL,
    -- timestamptz rather than upstream's "timestamp": the time is set by the database, in UTC, unambiguously.
    modifiedon             timestamptz   NOT NULL,
    version                integer       NULL
);

CREATE INDEX IF NOT EXISTS ix_orleansstorage ON orleansstorage USING btree (grainidhash, graintypehash);

-- Insert when the caller has no version (never read), update when the version matches; returns the new version,
-- or the caller's version unchanged when another writer got there first (Orleans then raises InconsistentState).
CREATE OR REPLACE FUNCTION liberterra_write_to_storage(
    grain_id_hash integer, grain_id_n0 bigint, grain_id_n1 bigint, grain_type_hash integer, grain_type varchar,
    grain_id_extension varchar, service_id varchar, grain_state_version integer, payload_binary bytea,
    payload_json text, payload_xml xml)
    RETURNS TABLE (newgrainstateversion integer) LANGUAGE plpgsql AS
$$
DECLARE
    affected integer := 0;
    result integer := grain_state_version;
BEGIN
    IF grain_state_version IS NOT NULL THEN
        UPDATE orleansstorage
        SET payloadbinary = payload_binary, payloadjson = payload_json, payloadxml = payload_xml,
            modifiedon = now(), version = version + 1
        WHERE grainidhash = grain_id_hash AND graintypehash = grain_type_hash
          AND grainidn0 = grain_id_n0 AND grainidn1 = grain_id_n1 AND graintypestring = grain_type
          AND grainidextensionstring IS NOT DISTINCT FROM grain_id_extension
          AND serviceid = service_id AND version = grain_state_version;
        GET DIAGNOSTICS affected = ROW_COUNT;
        IF affected > 0 THEN result := grain_state_version + 1; END IF;
    ELSE
        -- Serialise first inserts of the same grain so that exactly one succeeds.
        PERFORM pg_advisory_xact_lock(grain_id_hash, grain_type_hash);
        INSERT INTO orleansstorage
            (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, grainidextensionstring, serviceid,
             payloadbinary, payloadjson, payloadxml, modifiedon, version)
        SELECT grain_id_hash, grain_id_n0, grain_id_n1, grain_type_hash, grain_type, grain_id_extension, service_id,
               payload_binary, payload_json, payload_xml, now(), 1
        WHERE NOT EXISTS (
            SELECT 1 FROM orleansstorage
            WHERE grainidhash = grain_id_hash AND graintypehash = grain_type_hash
              AND grainidn0 = grain_id_n0 AND grainidn1 = grain_id_n1 AND graintypestring = grain_type
              AND grainidextensionstring IS NOT DISTINCT FROM grain_id_extension AND serviceid = service_id);
        GET DIAGNOSTICS affected = ROW_COUNT;
        IF affected > 0 THEN result := 1; END IF;
    END IF;
    RETURN QUERY SELECT result;
END
$$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('WriteToStorageKey', '
    SELECT newgrainstateversion FROM liberterra_write_to_storage(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash,
        @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary, NULL, NULL);'),
('ReadFromStorageKey', '
    SELECT payloadbinary, payloadxml, payloadjson, now() AT TIME ZONE ''utc'', version
    FROM orleansstorage
    WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
      AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
      AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
      AND serviceid = @ServiceId;'),
('ClearStorageKey', '
    UPDATE orleansstorage
    SET payloadbinary = NULL, payloadjson = NULL, payloadxml = NULL, modifiedon = now(), version = version + 1
    WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
      AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
      AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
      AND serviceid = @ServiceId AND version = @GrainStateVersion
    RETURNING version AS newgrainstateversion;'),
('DeleteStorageKey', '
    DELETE FROM orleansstorage
    WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash
      AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
      AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
      AND serviceid = @ServiceId AND version = @GrainStateVersion
    RETURNING version + 1 AS newgrainstateversion;')
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
