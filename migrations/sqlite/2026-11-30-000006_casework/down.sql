DROP TABLE certificates;
DROP TABLE submission_reviews;
DROP TABLE submissions;
DROP TABLE assignments;
ALTER TABLE cohorts DROP COLUMN casework_version;
