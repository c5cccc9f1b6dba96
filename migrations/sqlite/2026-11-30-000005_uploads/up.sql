-- Resumable uploads (tus 1.0.0). Each PATCH stores what it received as one
-- segment in the file store; the offset moves only by a compare-and-set on
-- this row, so two processes or two clients cannot both append at one
-- offset. When the last byte is in, the segments are read back in order
-- into the material's file (type read, SHA-256 computed) and the upload
-- remembers its material, so a client that lost the final answer can ask
-- again. Housekeeping removes uploads past `expires_at` with their bytes.
CREATE TABLE uploads (
    id TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_by TEXT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('recording', 'slides', 'document')),
    file_name TEXT NOT NULL,
    length BIGINT NOT NULL CHECK (length >= 0),
    upload_offset BIGINT NOT NULL DEFAULT 0 CHECK (upload_offset >= 0 AND upload_offset <= length),
    material_id TEXT REFERENCES materials (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX uploads_expires_idx ON uploads (expires_at);

CREATE TABLE upload_segments (
    upload_id TEXT NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    start_offset BIGINT NOT NULL,
    size BIGINT NOT NULL CHECK (size > 0),
    storage_key TEXT NOT NULL,
    PRIMARY KEY (upload_id, start_offset)
);
