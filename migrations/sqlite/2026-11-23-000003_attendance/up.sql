-- Attendance: one row per session and learner, every change kept in an
-- audit trail; self check-in windows and their failed attempts.
CREATE TABLE attendance (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('present', 'late', 'excused', 'absent')),
    method TEXT NOT NULL CHECK (method IN ('trainer', 'code', 'import')),
    note TEXT,
    marked_by TEXT NOT NULL REFERENCES users (id),
    marked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX attendance_user_idx ON attendance (user_id, session_id);

CREATE TABLE attendance_changes (
    id TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    -- NULL when the learner was unmarked before.
    from_status TEXT,
    to_status TEXT NOT NULL,
    method TEXT NOT NULL,
    note TEXT,
    changed_by TEXT NOT NULL REFERENCES users (id),
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX attendance_changes_session_idx ON attendance_changes (session_id, changed_at, id);

CREATE TABLE check_in_windows (
    session_id TEXT PRIMARY KEY NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    opened_by TEXT NOT NULL REFERENCES users (id),
    -- Codes derive from a server key, the session and this instant: no code is stored.
    opened_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    rotate_seconds INTEGER NOT NULL CHECK (rotate_seconds BETWEEN 5 AND 300)
);

CREATE TABLE check_in_failures (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    -- The window the wrong codes were tried against.
    opened_at TIMESTAMP NOT NULL,
    failures INTEGER NOT NULL,
    PRIMARY KEY (session_id, user_id, opened_at)
);
