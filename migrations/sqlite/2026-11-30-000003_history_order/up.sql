-- The audit trail in the order its rows were written (see the PostgreSQL
-- migration of the same name). SQLite has one writer at a time, so the
-- next numbers after the largest are commit order: the writer assigns them
-- (attendance::queries::insert_changes), one read per write instead of a
-- trigger updating every row. Rows written by hand get 0.
ALTER TABLE attendance_changes ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE attendance_changes SET seq = o.n
FROM (SELECT id, row_number() OVER (ORDER BY changed_at, id) AS n FROM attendance_changes) AS o
WHERE attendance_changes.id = o.id;
CREATE INDEX attendance_changes_seq_idx ON attendance_changes (seq);
CREATE INDEX attendance_changes_session_seq_idx ON attendance_changes (session_id, seq);
