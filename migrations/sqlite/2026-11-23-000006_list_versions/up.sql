-- Version counters behind the response cache and the ETags of rosters and
-- session lists (src/cache.rs). A cached answer is keyed by the versions of
-- everything it was made from, read in the same query that authorises the
-- request, so every process of a scale-out serves the same truth: a change
-- committed by any of them bumps a version, and the next read misses.
--
-- Triggers keep them, whatever writes (the API, the seeder, a manual fix):
--   attendance of a session      -> roster_versions, summed per session
--   memberships of a cohort, and the names of its members
--                                 -> cohorts.members_version
--   sessions of a cohort          -> cohorts.sessions_version
-- Versions only grow (rows of roster_versions are never deleted), so a key
-- is never reused for other content.
--
-- A session's attendance version is the sum of its shards. PostgreSQL
-- keeps one per connection so that concurrent check-ins do not queue on
-- one row; SQLite has one writer at a time and keeps a single shard, '0'.
ALTER TABLE cohorts ADD COLUMN members_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cohorts ADD COLUMN sessions_version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE roster_versions (
    session_id TEXT NOT NULL,
    shard TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (session_id, shard)
) WITHOUT ROWID;

CREATE TRIGGER roster_versions_insert AFTER INSERT ON attendance
BEGIN
    INSERT INTO roster_versions (session_id, shard, version)
    VALUES (NEW.session_id, '0', 1)
    ON CONFLICT (session_id, shard) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER roster_versions_update AFTER UPDATE ON attendance
BEGIN
    INSERT INTO roster_versions (session_id, shard, version)
    VALUES (NEW.session_id, '0', 1)
    ON CONFLICT (session_id, shard) DO UPDATE SET version = version + 1;
    INSERT INTO roster_versions (session_id, shard, version)
    SELECT OLD.session_id, '0', 1
    WHERE OLD.session_id IS NOT NEW.session_id
    ON CONFLICT (session_id, shard) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER roster_versions_delete AFTER DELETE ON attendance
BEGIN
    INSERT INTO roster_versions (session_id, shard, version)
    VALUES (OLD.session_id, '0', 1)
    ON CONFLICT (session_id, shard) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER members_version_insert AFTER INSERT ON memberships
BEGIN
    UPDATE cohorts SET members_version = members_version + 1 WHERE id = NEW.cohort_id;
END;

CREATE TRIGGER members_version_update AFTER UPDATE ON memberships
BEGIN
    UPDATE cohorts SET members_version = members_version + 1
    WHERE id IN (NEW.cohort_id, OLD.cohort_id);
END;

CREATE TRIGGER members_version_delete AFTER DELETE ON memberships
BEGIN
    UPDATE cohorts SET members_version = members_version + 1 WHERE id = OLD.cohort_id;
END;

-- Rosters and reports show their learners' names.
CREATE TRIGGER members_version_name AFTER UPDATE OF full_name ON users
WHEN OLD.full_name IS NOT NEW.full_name
BEGIN
    UPDATE cohorts SET members_version = members_version + 1
    WHERE id IN (SELECT m.cohort_id FROM memberships m WHERE m.user_id = NEW.id);
END;

CREATE TRIGGER sessions_version_insert AFTER INSERT ON sessions
BEGIN
    UPDATE cohorts SET sessions_version = sessions_version + 1 WHERE id = NEW.cohort_id;
END;

CREATE TRIGGER sessions_version_update AFTER UPDATE ON sessions
BEGIN
    UPDATE cohorts SET sessions_version = sessions_version + 1
    WHERE id IN (NEW.cohort_id, OLD.cohort_id);
END;

CREATE TRIGGER sessions_version_delete AFTER DELETE ON sessions
BEGIN
    UPDATE cohorts SET sessions_version = sessions_version + 1 WHERE id = OLD.cohort_id;
END;
