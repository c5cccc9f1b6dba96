-- Read paths of rosters and reports (issue 5's benchmark): the seat index
-- also carries user_id, so listing a cohort's learners can be an index-only
-- scan. (SQLite's twin of this migration also rebuilds attendance WITHOUT
-- ROWID; PostgreSQL's heap needs no such change.)
DROP INDEX memberships_seats_idx;
CREATE INDEX memberships_seats_idx ON memberships (cohort_id, role, status, created_at, user_id);
