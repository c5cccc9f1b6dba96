DROP TRIGGER sessions_tallies_delete;
DROP TRIGGER sessions_tallies_update;
DROP TRIGGER attendance_tallies_update;
DROP TRIGGER attendance_tallies_delete;
DROP TRIGGER attendance_tallies_insert;
DROP TABLE attendance_tallies;
