DROP TABLE calendar_tokens;
DROP TABLE sessions;
DROP TABLE memberships;
DROP TABLE cohorts;
DROP TABLE programmes;
