DROP TRIGGER sessions_tallies_delete ON sessions;
DROP TRIGGER sessions_tallies_update ON sessions;
DROP FUNCTION sessions_tallies_row();
DROP TRIGGER attendance_tallies_update ON attendance;
DROP TRIGGER attendance_tallies_insert_delete ON attendance;
DROP FUNCTION attendance_tallies_row();
DROP FUNCTION attendance_tally(TEXT, TEXT, TEXT, INTEGER);
DROP TABLE attendance_tallies;
