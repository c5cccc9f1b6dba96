-- Login sessions (refresh-token families) ended before their access tokens
-- expire: logout, reuse of a spent refresh token, password change,
-- deactivation. Every authenticated request checks its session here, so a
-- revocation takes effect at once; rows older than the longest access-token
-- lifetime are housekept away.
CREATE TABLE revoked_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    revoked_at TIMESTAMP NOT NULL
);
CREATE INDEX revoked_sessions_revoked_at_idx ON revoked_sessions (revoked_at);
