-- What changed, for GET /sync: one row per change of a thing a member's
-- phone keeps (cohorts, their own memberships, sessions, their own
-- attendance, materials, assignments, their own submissions), written by
-- triggers so no write path can forget it. `cohort_id` says whose members
-- may see it; `user_id`, set for a member's own things, says who alone.

-- On PostgreSQL `pos` is the writing transaction's id. A sync token holds
-- the snapshot of the last read (pg_current_snapshot), and the next read
-- takes the rows visible now that were not visible in it: a transaction
-- that commits late, after others with later ids, is still read, since
-- its rows were invisible to the token's snapshot.
CREATE TABLE sync_log (
    seq BIGSERIAL PRIMARY KEY,
    pos BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    cohort_id TEXT,
    user_id TEXT
);
CREATE INDEX sync_log_pos_idx ON sync_log (pos, seq);

-- Housekeeping keeps the log for SYNC_LOG_DAYS: each run marks where the
-- log stands (SQLite: the last seq; PostgreSQL: the oldest transaction
-- still running), and deletes the rows behind a mark old enough.
-- `sync_horizon` says up to where rows are gone: an older token is
-- answered 410, and the phone syncs from scratch.
CREATE TABLE sync_marks (
    marked_at TIMESTAMP NOT NULL,
    pos BIGINT NOT NULL
);
CREATE INDEX sync_marks_at_idx ON sync_marks (marked_at);
CREATE TABLE sync_horizon (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pruned_below BIGINT NOT NULL
);
INSERT INTO sync_horizon (id, pruned_below) VALUES (1, 0);

CREATE FUNCTION sync_log_cohorts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r cohorts%ROWTYPE;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('cohort', r.id, r.id, NULL);
    RETURN NULL;
END
$$;
CREATE TRIGGER sync_log_cohorts_insert_delete AFTER INSERT OR DELETE ON cohorts
FOR EACH ROW EXECUTE FUNCTION sync_log_cohorts();
CREATE TRIGGER sync_log_cohorts_update AFTER UPDATE OF name, country_code, timezone, starts_on, ends_on, capacity, auto_accept, status, late_after_minutes, updated_at ON cohorts
FOR EACH ROW EXECUTE FUNCTION sync_log_cohorts();

CREATE FUNCTION sync_log_memberships() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r memberships%ROWTYPE;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('membership', r.cohort_id, r.cohort_id, r.user_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER sync_log_memberships_insert_delete AFTER INSERT OR DELETE ON memberships
FOR EACH ROW EXECUTE FUNCTION sync_log_memberships();
CREATE TRIGGER sync_log_memberships_update AFTER UPDATE ON memberships
FOR EACH ROW EXECUTE FUNCTION sync_log_memberships();

CREATE FUNCTION sync_log_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r sessions%ROWTYPE;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('session', r.id, r.cohort_id, NULL);
    RETURN NULL;
END
$$;
CREATE TRIGGER sync_log_sessions_insert_delete AFTER INSERT OR DELETE ON sessions
FOR EACH ROW EXECUTE FUNCTION sync_log_sessions();
CREATE TRIGGER sync_log_sessions_update AFTER UPDATE ON sessions
FOR EACH ROW EXECUTE FUNCTION sync_log_sessions();

CREATE FUNCTION sync_log_attendance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r attendance%ROWTYPE;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('attendance', r.session_id, (SELECT cohort_id FROM sessions WHERE id = r.session_id), r.user_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER sync_log_attendance_insert_delete AFTER INSERT OR DELETE ON attendance
FOR EACH ROW EXECUTE FUNCTION sync_log_attendance();
CREATE TRIGGER sync_log_attendance_update AFTER UPDATE ON attendance
FOR EACH ROW EXECUTE FUNCTION sync_log_attendance();

CREATE FUNCTION sync_log_materials() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r materials%ROWTYPE;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    IF NOT (r.parent_id IS NULL) THEN RETURN NULL; END IF;
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('material', r.id, (SELECT cohort_id FROM sessions WHERE id = r.session_id), NULL);
    RETURN NULL;
END
$$;
CREATE TRIGGER sync_log_materials_insert_delete AFTER INSERT OR DELETE ON materials
FOR EACH ROW EXECUTE FUNCTION sync_log_materials();
CREATE TRIGGER sync_log_materials_update AFTER UPDATE ON materials
FOR EACH ROW EXECUTE FUNCTION sync_log_materials();

CREATE FUNCTION sync_log_assignments() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r assignments%ROWTYPE;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('assignment', r.id, (SELECT cohort_id FROM sessions WHERE id = r.session_id), NULL);
    RETURN NULL;
END
$$;
CREATE TRIGGER sync_log_assignments_insert_delete AFTER INSERT OR DELETE ON assignments
FOR EACH ROW EXECUTE FUNCTION sync_log_assignments();
CREATE TRIGGER sync_log_assignments_update AFTER UPDATE ON assignments
FOR EACH ROW EXECUTE FUNCTION sync_log_assignments();

CREATE FUNCTION sync_log_submissions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r submissions%ROWTYPE;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('submission', r.id, (SELECT s.cohort_id FROM assignments a JOIN sessions s ON s.id = a.session_id WHERE a.id = r.assignment_id), r.user_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER sync_log_submissions_insert_delete AFTER INSERT OR DELETE ON submissions
FOR EACH ROW EXECUTE FUNCTION sync_log_submissions();
CREATE TRIGGER sync_log_submissions_update AFTER UPDATE ON submissions
FOR EACH ROW EXECUTE FUNCTION sync_log_submissions();
