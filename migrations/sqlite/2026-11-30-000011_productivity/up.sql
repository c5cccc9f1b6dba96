-- Productivity for coordinators and trainers: recurring sessions, invitations
-- for accounts created by a CSV enrolment, and learners' feedback on sessions.

-- A series of sessions created at once, at the same local wall-clock time.
-- The occurrences are ordinary sessions that carry `series_id`.
CREATE TABLE session_series (
    id TEXT PRIMARY KEY NOT NULL,
    cohort_id TEXT NOT NULL REFERENCES cohorts (id),
    frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    repeat_interval INTEGER NOT NULL CHECK (repeat_interval BETWEEN 1 AND 52),
    occurrences INTEGER NOT NULL CHECK (occurrences BETWEEN 1 AND 100),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    -- Set when `DELETE /series/{id}` cancelled what had not started.
    cancelled_at TIMESTAMP
);
CREATE INDEX session_series_cohort_idx ON session_series (cohort_id);

ALTER TABLE sessions ADD COLUMN series_id TEXT REFERENCES session_series (id);
CREATE INDEX sessions_series_idx ON sessions (series_id, starts_at) WHERE series_id IS NOT NULL;
-- Clashes: the lead trainer's other sessions around a start.
CREATE INDEX sessions_trainer_idx ON sessions (trainer_id, starts_at) WHERE trainer_id IS NOT NULL;

-- A single-use invitation to set a password, for an account created
-- without one (CSV enrolment). Only the token's digest is kept.
CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    cohort_id TEXT REFERENCES cohorts (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX invitations_user_idx ON invitations (user_id);

-- One rating per learner and session; re-sending changes it. Read back
-- only as counts and anonymous comments.
CREATE TABLE session_feedback (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
