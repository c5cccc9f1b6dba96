-- The audit trail in the order its rows were written (see the PostgreSQL
-- migration of the same name). SQLite has one writer at a time, so the
-- next number after the largest is commit order; a trigger assigns it.
ALTER TABLE attendance_changes ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE attendance_changes SET seq = o.n
FROM (SELECT id, row_number() OVER (ORDER BY changed_at, id) AS n FROM attendance_changes) AS o
WHERE attendance_changes.id = o.id;
CREATE INDEX attendance_changes_seq_idx ON attendance_changes (seq);
CREATE INDEX attendance_changes_session_seq_idx ON attendance_changes (session_id, seq);
CREATE TRIGGER attendance_changes_seq AFTER INSERT ON attendance_changes
BEGIN
    UPDATE attendance_changes
    SET seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM attendance_changes)
    WHERE rowid = NEW.rowid;
END;
