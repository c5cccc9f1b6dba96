-- Case studies: one assignment per session, learners' submissions (every
-- version kept: a resubmission after `needs_revision` supersedes the
-- current one), every review kept; and certificates, issued once per
-- learner and cohort, verified in public by their code.
CREATE TABLE assignments (
    id TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL UNIQUE REFERENCES sessions (id) ON DELETE CASCADE,
    brief TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    max_score INTEGER NOT NULL CHECK (max_score BETWEEN 1 AND 1000),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE submissions (
    id TEXT PRIMARY KEY NOT NULL,
    assignment_id TEXT NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    -- 1 for the first hand-in, then one more per resubmission.
    version INTEGER NOT NULL CHECK (version >= 1),
    body TEXT,
    link_url TEXT,
    file_name TEXT,
    content_type TEXT,
    size_bytes BIGINT CHECK (size_bytes IS NULL OR size_bytes >= 0),
    sha256 TEXT,
    storage_key TEXT,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'needs_revision')),
    score INTEGER CHECK (score IS NULL OR score >= 0),
    feedback TEXT,
    late BOOLEAN NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    -- Set when a resubmission replaces this version; NULL: the current one.
    superseded_at TIMESTAMP,
    CHECK (body IS NOT NULL OR link_url IS NOT NULL OR storage_key IS NOT NULL),
    CHECK ((storage_key IS NULL) = (sha256 IS NULL)),
    UNIQUE (assignment_id, user_id, version)
);
-- One current submission per learner and assignment, whatever the races.
CREATE UNIQUE INDEX submissions_current_idx ON submissions (assignment_id, user_id)
    WHERE superseded_at IS NULL;
CREATE INDEX submissions_user_idx ON submissions (user_id, assignment_id);

CREATE TABLE submission_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('accepted', 'needs_revision')),
    score INTEGER CHECK (score IS NULL OR score >= 0),
    feedback TEXT,
    reviewed_at TIMESTAMP NOT NULL
);
CREATE INDEX submission_reviews_submission_idx ON submission_reviews (submission_id, reviewed_at);

-- What a certificate states is kept as it was at issue: a later change of
-- name or title does not rewrite a delivered certificate.
CREATE TABLE certificates (
    id TEXT PRIMARY KEY NOT NULL,
    -- 20 Crockford base-32 characters (100 bits), stored without dashes.
    code TEXT NOT NULL UNIQUE,
    cohort_id TEXT NOT NULL REFERENCES cohorts (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    full_name TEXT NOT NULL,
    programme_title TEXT NOT NULL,
    cohort_name TEXT NOT NULL,
    country_code TEXT,
    issued_at TIMESTAMP NOT NULL,
    issued_by TEXT NOT NULL REFERENCES users (id),
    revoked_at TIMESTAMP,
    revoked_by TEXT REFERENCES users (id),
    revocation_reason TEXT,
    -- Exactly one certificate per learner and cohort, even when issued twice at once.
    UNIQUE (cohort_id, user_id)
);
CREATE INDEX certificates_user_idx ON certificates (user_id, issued_at);

-- A cohort's case-study version, behind cached progress answers (see the
-- migration list_versions): bumped by statement triggers whenever an
-- assignment, a submission (and so a review) or a certificate of the
-- cohort changes; cohort rows are locked in id order, as there.
ALTER TABLE cohorts ADD COLUMN casework_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION casework_version_bump(ids TEXT[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM cohorts WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
    UPDATE cohorts SET casework_version = casework_version + 1 WHERE id = ANY (ids);
END
$$;

-- The query of the statement's transition rows, whatever its kind.
CREATE FUNCTION casework_rows(op TEXT) RETURNS TEXT LANGUAGE sql AS $$
    SELECT CASE op
        WHEN 'INSERT' THEN 'SELECT * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT * FROM old_rows'
        ELSE 'SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows'
    END
$$;

CREATE FUNCTION casework_version_assignments() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids TEXT[];
BEGIN
    EXECUTE format(
        'SELECT coalesce(array_agg(DISTINCT s.cohort_id), ''{}'') FROM (%s) r
         JOIN sessions s ON s.id = r.session_id', casework_rows(TG_OP)) INTO ids;
    PERFORM casework_version_bump(ids);
    RETURN NULL;
END
$$;

CREATE FUNCTION casework_version_submissions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids TEXT[];
BEGIN
    EXECUTE format(
        'SELECT coalesce(array_agg(DISTINCT s.cohort_id), ''{}'') FROM (%s) r
         JOIN assignments a ON a.id = r.assignment_id JOIN sessions s ON s.id = a.session_id',
        casework_rows(TG_OP)) INTO ids;
    PERFORM casework_version_bump(ids);
    RETURN NULL;
END
$$;

CREATE FUNCTION casework_version_certificates() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids TEXT[];
BEGIN
    EXECUTE format('SELECT coalesce(array_agg(DISTINCT r.cohort_id), ''{}'') FROM (%s) r',
        casework_rows(TG_OP)) INTO ids;
    PERFORM casework_version_bump(ids);
    RETURN NULL;
END
$$;

CREATE TRIGGER casework_version_assignment_insert AFTER INSERT ON assignments
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION casework_version_assignments();
CREATE TRIGGER casework_version_assignment_update AFTER UPDATE ON assignments
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION casework_version_assignments();
CREATE TRIGGER casework_version_assignment_delete AFTER DELETE ON assignments
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION casework_version_assignments();

CREATE TRIGGER casework_version_submission_insert AFTER INSERT ON submissions
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION casework_version_submissions();
CREATE TRIGGER casework_version_submission_update AFTER UPDATE ON submissions
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION casework_version_submissions();
CREATE TRIGGER casework_version_submission_delete AFTER DELETE ON submissions
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION casework_version_submissions();

CREATE TRIGGER casework_version_certificate_insert AFTER INSERT ON certificates
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION casework_version_certificates();
CREATE TRIGGER casework_version_certificate_update AFTER UPDATE ON certificates
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION casework_version_certificates();
CREATE TRIGGER casework_version_certificate_delete AFTER DELETE ON certificates
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION casework_version_certificates();
