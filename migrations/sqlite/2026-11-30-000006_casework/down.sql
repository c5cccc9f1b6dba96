DROP TABLE certificates;
DROP TABLE submission_reviews;
DROP TABLE submissions;
DROP TABLE assignments;
