DROP TRIGGER sessions_tallies_delete ON sessions;
DROP TRIGGER sessions_tallies_update ON sessions;
DROP FUNCTION sessions_tallies_row();
DROP TRIGGER attendance_tallies_update ON attendance;
DROP TRIGGER attendance_tallies_delete ON attendance;
DROP TRIGGER attendance_tallies_insert ON attendance;
DROP FUNCTION attendance_tallies_apply();
DROP TABLE attendance_tallies;
