CREATE TABLE attendance_old (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('present', 'late', 'excused', 'absent')),
    method TEXT NOT NULL CHECK (method IN ('trainer', 'code', 'import')),
    note TEXT,
    marked_by TEXT NOT NULL REFERENCES users (id),
    marked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
INSERT INTO attendance_old (session_id, user_id, status, method, note, marked_by, marked_at)
    SELECT session_id, user_id, status, method, note, marked_by, marked_at FROM attendance;
DROP TABLE attendance;
ALTER TABLE attendance_old RENAME TO attendance;
CREATE INDEX attendance_user_idx ON attendance (user_id, session_id);

DROP INDEX memberships_seats_idx;
CREATE INDEX memberships_seats_idx ON memberships (cohort_id, role, status, created_at);
