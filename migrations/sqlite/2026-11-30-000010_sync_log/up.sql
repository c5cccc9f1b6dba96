-- What changed, for GET /sync: one row per change of a thing a member's
-- phone keeps (cohorts, their own memberships, sessions, their own
-- attendance, materials, assignments, their own submissions), written by
-- triggers so no write path can forget it. `cohort_id` says whose members
-- may see it; `user_id`, set for a member's own things, says who alone.

CREATE TABLE sync_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    cohort_id TEXT,
    user_id TEXT
);
CREATE INDEX sync_log_user_idx ON sync_log (user_id, seq);

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

CREATE TRIGGER sync_log_cohorts_insert AFTER INSERT ON cohorts
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('cohort', NEW.id, NEW.id, NULL);
END;

CREATE TRIGGER sync_log_cohorts_update AFTER UPDATE OF name, country_code, timezone, starts_on, ends_on, capacity, auto_accept, status, late_after_minutes, updated_at ON cohorts
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('cohort', NEW.id, NEW.id, NULL);
END;

CREATE TRIGGER sync_log_cohorts_delete AFTER DELETE ON cohorts
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('cohort', OLD.id, OLD.id, NULL);
END;

CREATE TRIGGER sync_log_memberships_insert AFTER INSERT ON memberships
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('membership', NEW.cohort_id, NEW.cohort_id, NEW.user_id);
END;

CREATE TRIGGER sync_log_memberships_update AFTER UPDATE ON memberships
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('membership', NEW.cohort_id, NEW.cohort_id, NEW.user_id);
END;

CREATE TRIGGER sync_log_memberships_delete AFTER DELETE ON memberships
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('membership', OLD.cohort_id, OLD.cohort_id, OLD.user_id);
END;

CREATE TRIGGER sync_log_sessions_insert AFTER INSERT ON sessions
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('session', NEW.id, NEW.cohort_id, NULL);
END;

CREATE TRIGGER sync_log_sessions_update AFTER UPDATE ON sessions
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('session', NEW.id, NEW.cohort_id, NULL);
END;

CREATE TRIGGER sync_log_sessions_delete AFTER DELETE ON sessions
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('session', OLD.id, OLD.cohort_id, NULL);
END;

CREATE TRIGGER sync_log_attendance_insert AFTER INSERT ON attendance
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('attendance', NEW.session_id, (SELECT cohort_id FROM sessions WHERE id = NEW.session_id), NEW.user_id);
END;

CREATE TRIGGER sync_log_attendance_update AFTER UPDATE ON attendance
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('attendance', NEW.session_id, (SELECT cohort_id FROM sessions WHERE id = NEW.session_id), NEW.user_id);
END;

CREATE TRIGGER sync_log_attendance_delete AFTER DELETE ON attendance
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('attendance', OLD.session_id, (SELECT cohort_id FROM sessions WHERE id = OLD.session_id), OLD.user_id);
END;

CREATE TRIGGER sync_log_materials_insert AFTER INSERT ON materials
WHEN NEW.parent_id IS NULL
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('material', NEW.id, (SELECT cohort_id FROM sessions WHERE id = NEW.session_id), NULL);
END;

CREATE TRIGGER sync_log_materials_update AFTER UPDATE ON materials
WHEN NEW.parent_id IS NULL
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('material', NEW.id, (SELECT cohort_id FROM sessions WHERE id = NEW.session_id), NULL);
END;

CREATE TRIGGER sync_log_materials_delete AFTER DELETE ON materials
WHEN OLD.parent_id IS NULL
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('material', OLD.id, (SELECT cohort_id FROM sessions WHERE id = OLD.session_id), NULL);
END;

CREATE TRIGGER sync_log_assignments_insert AFTER INSERT ON assignments
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('assignment', NEW.id, (SELECT cohort_id FROM sessions WHERE id = NEW.session_id), NULL);
END;

CREATE TRIGGER sync_log_assignments_update AFTER UPDATE ON assignments
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('assignment', NEW.id, (SELECT cohort_id FROM sessions WHERE id = NEW.session_id), NULL);
END;

CREATE TRIGGER sync_log_assignments_delete AFTER DELETE ON assignments
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('assignment', OLD.id, (SELECT cohort_id FROM sessions WHERE id = OLD.session_id), NULL);
END;

CREATE TRIGGER sync_log_submissions_insert AFTER INSERT ON submissions
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('submission', NEW.id, (SELECT s.cohort_id FROM assignments a JOIN sessions s ON s.id = a.session_id WHERE a.id = NEW.assignment_id), NEW.user_id);
END;

CREATE TRIGGER sync_log_submissions_update AFTER UPDATE ON submissions
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('submission', NEW.id, (SELECT s.cohort_id FROM assignments a JOIN sessions s ON s.id = a.session_id WHERE a.id = NEW.assignment_id), NEW.user_id);
END;

CREATE TRIGGER sync_log_submissions_delete AFTER DELETE ON submissions
BEGIN
    INSERT INTO sync_log (kind, entity_id, cohort_id, user_id)
    VALUES ('submission', OLD.id, (SELECT s.cohort_id FROM assignments a JOIN sessions s ON s.id = a.session_id WHERE a.id = OLD.assignment_id), OLD.user_id);
END;
