-- Past states of an operation, for time travel: the fold of the timeline up to seq, every so many events.
-- A cache of the timeline (it can be dropped and rebuilt at any time); written once per (operation, seq), never changed.
CREATE TABLE IF NOT EXISTS timeline_snapshots
(
    operation_id text        NOT NULL,
    seq          bigint      NOT NULL CHECK (seq > 0),
    state        jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_timeline_snapshots PRIMARY KEY (operation_id, seq),
    CONSTRAINT fk_timeline_snapshots_head FOREIGN KEY (operation_id) REFERENCES timeline_heads (operation_id)
);
