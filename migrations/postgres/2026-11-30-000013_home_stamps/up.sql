-- The version of each member's home screen (GET /me/home), behind its
-- cached answer (src/home, src/cache.rs). The key of a cached home is read
-- in the query that authorises the request: this stamp, plus the sum of
-- `sessions_version + casework_version` over the caller's cohorts (see the
-- migrations list_versions and casework). The stamp moves whenever the
-- set of those cohorts could change, so for one stamp the sum only grows.
--
-- Triggers keep it, whatever writes:
--   the caller's own memberships, attendance and event registrations;
--   a cohort's name, status, start, zone or programme  -> its members;
--   a programme's completion rules                      -> its members;
--   an event's title, status, times, zone or place      -> its registrants.
-- Stamps only grow and rows are never deleted, so a key is never reused.
-- Rows are taken in user order, so concurrent bumps do not deadlock.
CREATE TABLE home_stamps (
    user_id TEXT PRIMARY KEY,
    version BIGINT NOT NULL
) WITH (fillfactor = 50);

CREATE FUNCTION home_stamps_bump(ids TEXT[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO home_stamps AS h (user_id, version)
    SELECT DISTINCT u, 1 FROM unnest(ids) AS t (u) WHERE u IS NOT NULL ORDER BY 1
    ON CONFLICT (user_id) DO UPDATE SET version = h.version + 1;
END
$$;

-- On memberships, attendance and event_registrations (each has user_id).
CREATE FUNCTION home_stamps_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids TEXT[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(user_id) INTO ids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(user_id) INTO ids FROM old_rows;
    ELSE
        SELECT array_agg(u) INTO ids
        FROM (SELECT user_id FROM new_rows UNION SELECT user_id FROM old_rows) AS t (u);
    END IF;
    PERFORM home_stamps_bump(ids);
    RETURN NULL;
END
$$;

CREATE TRIGGER home_stamps_memberships_insert AFTER INSERT ON memberships
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION home_stamps_statement();
CREATE TRIGGER home_stamps_memberships_update AFTER UPDATE ON memberships
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION home_stamps_statement();
CREATE TRIGGER home_stamps_memberships_delete AFTER DELETE ON memberships
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION home_stamps_statement();

CREATE TRIGGER home_stamps_attendance_insert AFTER INSERT ON attendance
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION home_stamps_statement();
CREATE TRIGGER home_stamps_attendance_update AFTER UPDATE ON attendance
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION home_stamps_statement();
CREATE TRIGGER home_stamps_attendance_delete AFTER DELETE ON attendance
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION home_stamps_statement();

CREATE TRIGGER home_stamps_registrations_insert AFTER INSERT ON event_registrations
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION home_stamps_statement();
CREATE TRIGGER home_stamps_registrations_update AFTER UPDATE ON event_registrations
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION home_stamps_statement();
CREATE TRIGGER home_stamps_registrations_delete AFTER DELETE ON event_registrations
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION home_stamps_statement();

CREATE FUNCTION home_stamps_cohort() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM home_stamps_bump(ARRAY(SELECT m.user_id FROM memberships m WHERE m.cohort_id = NEW.id));
    RETURN NULL;
END
$$;
CREATE TRIGGER home_stamps_cohort AFTER UPDATE OF name, status, starts_on, timezone, programme_id ON cohorts
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name
    OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.starts_on IS DISTINCT FROM NEW.starts_on
    OR OLD.timezone IS DISTINCT FROM NEW.timezone
    OR OLD.programme_id IS DISTINCT FROM NEW.programme_id)
EXECUTE FUNCTION home_stamps_cohort();

CREATE FUNCTION home_stamps_programme() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM home_stamps_bump(ARRAY(
        SELECT m.user_id FROM memberships m JOIN cohorts c ON c.id = m.cohort_id
        WHERE c.programme_id = NEW.id));
    RETURN NULL;
END
$$;
CREATE TRIGGER home_stamps_programme AFTER UPDATE OF min_attendance_rate, required_submissions ON programmes
FOR EACH ROW WHEN (OLD.min_attendance_rate IS DISTINCT FROM NEW.min_attendance_rate
    OR OLD.required_submissions IS DISTINCT FROM NEW.required_submissions)
EXECUTE FUNCTION home_stamps_programme();

CREATE FUNCTION home_stamps_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM home_stamps_bump(ARRAY(
        SELECT r.user_id FROM event_registrations r
        WHERE r.event_id = NEW.id AND r.user_id IS NOT NULL));
    RETURN NULL;
END
$$;
CREATE TRIGGER home_stamps_event AFTER UPDATE OF title, status, starts_at, ends_at, timezone, venue, online_url ON events
FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title
    OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.starts_at IS DISTINCT FROM NEW.starts_at
    OR OLD.ends_at IS DISTINCT FROM NEW.ends_at
    OR OLD.timezone IS DISTINCT FROM NEW.timezone
    OR OLD.venue IS DISTINCT FROM NEW.venue
    OR OLD.online_url IS DISTINCT FROM NEW.online_url)
EXECUTE FUNCTION home_stamps_event();
