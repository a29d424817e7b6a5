-- Every commit that moves an operation's head tells every listening silo, through PostgreSQL itself: a silo whose
-- displays wait for an event that its writer never sent (the writer's silo died between its commit and its one-way
-- publish) reads it back at once instead of when the operation next commits elsewhere. PostgreSQL delivers the
-- notification only if, and when, the transaction commits. Payload: '<operation id> <last seq>'.
CREATE OR REPLACE FUNCTION timeline_head_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('liberterra_timeline', NEW.operation_id || ' ' || NEW.last_seq);
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS timeline_head_moved ON timeline_heads;
CREATE TRIGGER timeline_head_moved AFTER INSERT OR UPDATE OF last_seq ON timeline_heads
    FOR EACH ROW EXECUTE FUNCTION timeline_head_moved();
