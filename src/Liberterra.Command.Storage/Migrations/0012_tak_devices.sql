-- TAK devices enrolled for an operation: each holds a client certificate from the deployment's TAK CA, bound to one
-- team (or to command, read-only). The TLS endpoint accepts a certificate only while its serial is here and not revoked.
-- Rows are never deleted: a revocation stays on record with who made it and when.
CREATE TABLE IF NOT EXISTS tak_devices
(
    serial       text        PRIMARY KEY CHECK (serial ~ '^[0-9A-F]{32}$'),
    operation_id text        NOT NULL,
    team_id      text        NULL,
    device       text        NOT NULL CHECK (length(device) BETWEEN 1 AND 100),
    issued_at    timestamptz NOT NULL,
    issued_by    text        NOT NULL,
    revoked_at   timestamptz NULL,
    revoked_by   text        NULL
);

CREATE INDEX IF NOT EXISTS ix_tak_devices_operation ON tak_devices (operation_id, issued_at);
