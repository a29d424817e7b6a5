-- The significant-events lane: events of the timeline that command marked as significant (an EOC's significant
-- events log), with who marked them and when. Append-only: withdrawing a mark appends a row saying so.
CREATE TABLE IF NOT EXISTS significant_events
(
    id           bigserial   PRIMARY KEY,
    operation_id text        NOT NULL,
    seq          bigint      NOT NULL,
    title        text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    marked_by    text        NOT NULL,
    marked_at    timestamptz NOT NULL DEFAULT now(),
    withdrawn    boolean     NOT NULL DEFAULT false,
    CONSTRAINT fk_significant_events_event FOREIGN KEY (operation_id, seq) REFERENCES timeline_events (operation_id, seq)
);

CREATE INDEX IF NOT EXISTS ix_significant_events_op ON significant_events (operation_id, seq, id);

DROP TRIGGER IF EXISTS significant_events_no_update ON significant_events;
CREATE TRIGGER significant_events_no_update BEFORE UPDATE OR DELETE ON significant_events
    FOR EACH ROW EXECUTE FUNCTION liberterra_timeline_is_append_only();
DROP TRIGGER IF EXISTS significant_events_no_truncate ON significant_events;
CREATE TRIGGER significant_events_no_truncate BEFORE TRUNCATE ON significant_events
    FOR EACH STATEMENT EXECUTE FUNCTION liberterra_timeline_is_append_only();
