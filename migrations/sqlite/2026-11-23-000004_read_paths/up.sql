-- Read paths of rosters and reports (issue 5's benchmark).
--
-- The seat index also carries user_id, so listing a cohort's learners reads
-- the index alone instead of one table lookup per learner.
DROP INDEX memberships_seats_idx;
CREATE INDEX memberships_seats_idx ON memberships (cohort_id, role, status, created_at, user_id);

-- Attendance becomes a WITHOUT ROWID table: rows are stored in primary-key
-- order (session, learner), so a roster or a report reads one contiguous
-- range per session instead of an index entry plus a row lookup per record.
-- Nothing references this table; the rebuild keeps every row.
CREATE TABLE attendance_new (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('present', 'late', 'excused', 'absent')),
    method TEXT NOT NULL CHECK (method IN ('trainer', 'code', 'import')),
    note TEXT,
    marked_by TEXT NOT NULL REFERENCES users (id),
    marked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, user_id)
) WITHOUT ROWID;
INSERT INTO attendance_new (session_id, user_id, status, method, note, marked_by, marked_at)
    SELECT session_id, user_id, status, method, note, marked_by, marked_at FROM attendance;
DROP TABLE attendance;
ALTER TABLE attendance_new RENAME TO attendance;
CREATE INDEX attendance_user_idx ON attendance (user_id, session_id);
