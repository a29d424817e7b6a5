-- The operation timeline: append-only, gap-free per operation, the source of truth for every state.

-- One row per operation: the last sequence number. A batch is appended only if it starts right after it,
-- so two writers can never both extend the same timeline, and no sequence number is ever skipped.
CREATE TABLE IF NOT EXISTS timeline_heads
(
    operation_id text        NOT NULL PRIMARY KEY,
    last_seq     bigint      NOT NULL CHECK (last_seq >= 0),
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS timeline_events
(
    operation_id    text        NOT NULL,
    seq             bigint      NOT NULL CHECK (seq > 0),
    server_time     timestamptz NOT NULL,
    client_time     timestamptz NULL,
    actor           text        NOT NULL,
    team_id         text        NULL,
    kind            text        NOT NULL,
    idempotency_key text        NOT NULL,
    -- First 16 bytes of SHA-256 over (team, client time, payload): tells a retry from a different report.
    fingerprint     bytea       NOT NULL CHECK (octet_length(fingerprint) = 16),
    payload         jsonb       NOT NULL,
    CONSTRAINT pk_timeline_events PRIMARY KEY (operation_id, seq),
    CONSTRAINT uq_timeline_events_key UNIQUE (operation_id, idempotency_key),
    CONSTRAINT fk_timeline_events_head FOREIGN KEY (operation_id) REFERENCES timeline_heads (operation_id)
);

CREATE INDEX IF NOT EXISTS ix_timeline_events_team ON timeline_events (operation_id, team_id, seq);
CREATE INDEX IF NOT EXISTS ix_timeline_events_time ON timeline_events (operation_id, server_time);

-- Nothing updates or deletes a timeline row, whoever asks.
CREATE OR REPLACE FUNCTION liberterra_timeline_is_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'the operation timeline is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

DROP TRIGGER IF EXISTS timeline_events_no_update ON timeline_events;
CREATE TRIGGER timeline_events_no_update BEFORE UPDATE OR DELETE ON timeline_events
    FOR EACH ROW EXECUTE FUNCTION liberterra_timeline_is_append_only();
DROP TRIGGER IF EXISTS timeline_events_no_truncate ON timeline_events;
CREATE TRIGGER timeline_events_no_truncate BEFORE TRUNCATE ON timeline_events
    FOR EACH STATEMENT EXECUTE FUNCTION liberterra_timeline_is_append_only();
