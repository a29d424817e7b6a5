-- The audit trail: every accepted write and every refused attempt. Append-only, and hash-chained so that a row
-- changed or deleted behind the application's back is detected by `liberterra audit verify`.
-- Field notes are never copied here: `detail` holds ids, keys and status codes only.
CREATE TABLE IF NOT EXISTS audit_log
(
    id        bigint      NOT NULL PRIMARY KEY,
    at        timestamptz NOT NULL,
    actor     text        NOT NULL,
    role      text        NOT NULL,
    action    text        NOT NULL,
    target    text        NOT NULL,
    outcome   text        NOT NULL CHECK (outcome IN ('allowed', 'refused')),
    status    integer     NOT NULL,
    address   text        NOT NULL,
    detail    jsonb       NOT NULL,
    -- SHA-256 over the previous row's hash and this row's fields (see AuditLog.Hash).
    prev_hash bytea       NOT NULL,
    hash      bytea       NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_audit_log_at ON audit_log (at);

DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION liberterra_timeline_is_append_only();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION liberterra_timeline_is_append_only();
