-- Idempotency-Key: the first answer to a user's key, replayed to a retry
-- of the same request within 24 hours. `status` is NULL while the first
-- request runs, so a concurrent twin is refused rather than run twice.
CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    -- SHA-256 of method, path and body: the same key with another request is refused.
    request_hash TEXT NOT NULL,
    status INTEGER,
    -- JSON: [[name, value], ...]
    headers TEXT,
    body BYTEA,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX idempotency_keys_age_idx ON idempotency_keys (created_at);
