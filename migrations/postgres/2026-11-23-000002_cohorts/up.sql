-- Programmes run as cohorts; people join cohorts as learners or trainers;
-- cohorts hold sessions. Calendar feed tokens let calendar apps subscribe.
CREATE TABLE programmes (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'fr' CHECK (language IN ('fr', 'en')),
    min_attendance_rate INTEGER NOT NULL DEFAULT 75
        CHECK (min_attendance_rate BETWEEN 0 AND 100),
    required_submissions INTEGER NOT NULL DEFAULT 0 CHECK (required_submissions >= 0),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE cohorts (
    id TEXT PRIMARY KEY NOT NULL,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    name TEXT NOT NULL,
    -- NULL: a pan-African cohort.
    country_code TEXT REFERENCES countries (code),
    timezone TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity >= 1),
    auto_accept BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'open', 'running', 'completed', 'archived')),
    late_after_minutes INTEGER NOT NULL DEFAULT 15 CHECK (late_after_minutes >= 0),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX cohorts_programme_idx ON cohorts (programme_id, id);
CREATE INDEX cohorts_country_idx ON cohorts (country_code, id);
CREATE INDEX cohorts_status_idx ON cohorts (status, id);

CREATE TABLE memberships (
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('learner', 'trainer')),
    status TEXT NOT NULL
        CHECK (status IN ('pending', 'active', 'waitlisted', 'withdrawn', 'rejected', 'completed')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- One membership per person and cohort.
    PRIMARY KEY (cohort_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id, cohort_id);
CREATE INDEX memberships_cohort_list_idx ON memberships (cohort_id, created_at, user_id);
CREATE INDEX memberships_seats_idx ON memberships (cohort_id, role, status, created_at);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN
        ('master_class', 'case_study', 'veille', 'creative_workshop', 'meetup', 'event')),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    online_url TEXT,
    venue TEXT,
    trainer_id TEXT REFERENCES users (id),
    status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    counts_for_completion BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- Soft deletion, so syncing clients learn about deletions.
    deleted_at TIMESTAMP,
    CHECK (ends_at > starts_at)
);
CREATE INDEX sessions_cohort_start_idx ON sessions (cohort_id, starts_at, id);
CREATE INDEX sessions_cohort_updated_idx ON sessions (cohort_id, updated_at, id);

CREATE TABLE calendar_tokens (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
