DROP INDEX memberships_seats_idx;
CREATE INDEX memberships_seats_idx ON memberships (cohort_id, role, status, created_at);
