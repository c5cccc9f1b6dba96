DROP TABLE session_feedback;
DROP TABLE invitations;
DROP INDEX sessions_trainer_idx;
DROP INDEX sessions_series_idx;
ALTER TABLE sessions DROP COLUMN series_id;
DROP TABLE session_series;
