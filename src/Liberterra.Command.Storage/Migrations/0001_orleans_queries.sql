-- The table Orleans' ADO.NET providers read their SQL from, once, at silo start-up.
-- The Orleans 10.4.2 packages ship no SQL; this project owns the schema they need (see SchemaCheck).
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64)   NOT NULL,
    querytext varchar(8000) NOT NULL,
    CONSTRAINT orleansquery_key PRIMARY KEY (querykey)
);
