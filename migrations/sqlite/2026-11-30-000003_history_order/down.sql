DROP INDEX attendance_changes_session_seq_idx;
DROP INDEX attendance_changes_seq_idx;
ALTER TABLE attendance_changes DROP COLUMN seq;
