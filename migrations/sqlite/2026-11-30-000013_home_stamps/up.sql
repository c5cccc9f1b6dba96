-- The version of each member's home screen (GET /me/home), behind its
-- cached answer: see the PostgreSQL migration of the same name. SQLite has
-- row triggers only, and one writer at a time.
CREATE TABLE home_stamps (
    user_id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER home_stamps_memberships_insert AFTER INSERT ON memberships
BEGIN
    INSERT INTO home_stamps (user_id, version) SELECT NEW.user_id, 1 WHERE NEW.user_id IS NOT NULL
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER home_stamps_memberships_update AFTER UPDATE ON memberships
BEGIN
    INSERT INTO home_stamps (user_id, version) SELECT NEW.user_id, 1 WHERE NEW.user_id IS NOT NULL
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
    INSERT INTO home_stamps (user_id, version) SELECT OLD.user_id, 1
    WHERE OLD.user_id IS NOT NULL AND OLD.user_id IS NOT NEW.user_id
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER home_stamps_memberships_delete AFTER DELETE ON memberships
BEGIN
    INSERT INTO home_stamps (user_id, version) SELECT OLD.user_id, 1 WHERE OLD.user_id IS NOT NULL
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER home_stamps_attendance_insert AFTER INSERT ON attendance
BEGIN
    INSERT INTO home_stamps (user_id, version) SELECT NEW.user_id, 1 WHERE NEW.user_id IS NOT NULL
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER home_stamps_attendance_update AFTER UPDATE ON attendance
BEGIN
    INSERT INTO home_stamps (user_id, version) SELECT NEW.user_id, 1 WHERE NEW.user_id IS NOT NULL
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
    INSERT INTO home_stamps (user_id, version) SELECT OLD.user_id, 1
    WHERE OLD.user_id IS NOT NULL AND OLD.user_id IS NOT NEW.user_id
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER home_stamps_attendance_delete AFTER DELETE ON attendance
BEGIN
    INSERT INTO home_stamps (user_id, version) SELECT OLD.user_id, 1 WHERE OLD.user_id IS NOT NULL
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER home_stamps_registrations_insert AFTER INSERT ON event_registrations
BEGIN
    INSERT INTO home_stamps (user_id, version) SELECT NEW.user_id, 1 WHERE NEW.user_id IS NOT NULL
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER home_stamps_registrations_update AFTER UPDATE ON event_registrations
BEGIN
    INSERT INTO home_stamps (user_id, version) SELECT NEW.user_id, 1 WHERE NEW.user_id IS NOT NULL
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
    INSERT INTO home_stamps (user_id, version) SELECT OLD.user_id, 1
    WHERE OLD.user_id IS NOT NULL AND OLD.user_id IS NOT NEW.user_id
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER home_stamps_registrations_delete AFTER DELETE ON event_registrations
BEGIN
    INSERT INTO home_stamps (user_id, version) SELECT OLD.user_id, 1 WHERE OLD.user_id IS NOT NULL
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER home_stamps_cohort AFTER UPDATE OF name, status, starts_on, timezone, programme_id ON cohorts
WHEN OLD.name IS NOT NEW.name
    OR OLD.status IS NOT NEW.status
    OR OLD.starts_on IS NOT NEW.starts_on
    OR OLD.timezone IS NOT NEW.timezone
    OR OLD.programme_id IS NOT NEW.programme_id
BEGIN
    INSERT INTO home_stamps (user_id, version)
    SELECT m.user_id, 1 FROM memberships m WHERE m.cohort_id = NEW.id
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER home_stamps_programme AFTER UPDATE OF min_attendance_rate, required_submissions ON programmes
WHEN OLD.min_attendance_rate IS NOT NEW.min_attendance_rate
    OR OLD.required_submissions IS NOT NEW.required_submissions
BEGIN
    INSERT INTO home_stamps (user_id, version)
    SELECT DISTINCT m.user_id, 1 FROM memberships m JOIN cohorts c ON c.id = m.cohort_id
    WHERE c.programme_id = NEW.id
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER home_stamps_event AFTER UPDATE OF title, status, starts_at, ends_at, timezone, venue, online_url ON events
WHEN OLD.title IS NOT NEW.title
    OR OLD.status IS NOT NEW.status
    OR OLD.starts_at IS NOT NEW.starts_at
    OR OLD.ends_at IS NOT NEW.ends_at
    OR OLD.timezone IS NOT NEW.timezone
    OR OLD.venue IS NOT NEW.venue
    OR OLD.online_url IS NOT NEW.online_url
BEGIN
    INSERT INTO home_stamps (user_id, version)
    SELECT DISTINCT r.user_id, 1 FROM event_registrations r
    WHERE r.event_id = NEW.id AND r.user_id IS NOT NULL
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1;
END;
