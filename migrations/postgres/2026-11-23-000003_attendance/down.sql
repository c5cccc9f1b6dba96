DROP TABLE check_in_failures;
DROP TABLE check_in_windows;
DROP TABLE attendance_changes;
DROP TABLE attendance;
