-- Session materials: files trainers upload (recordings, slides, documents)
-- and links. A file's bytes live in the file store under `storage_key`;
-- the row exists only once they are all there. A variant is a lighter copy
-- of a file (audio only, lower resolution) made by a trainer, listed with
-- its parent.
CREATE TABLE materials (
    id TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    parent_id TEXT REFERENCES materials (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('recording', 'slides', 'document', 'link')),
    url TEXT,
    file_name TEXT,
    content_type TEXT,
    size_bytes BIGINT,
    sha256 TEXT,
    storage_key TEXT,
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CHECK ((kind = 'link') = (url IS NOT NULL)),
    CHECK ((kind = 'link') = (storage_key IS NULL)),
    CHECK (size_bytes IS NULL OR size_bytes >= 0)
);
CREATE INDEX materials_session_idx ON materials (session_id, created_at, id);
CREATE INDEX materials_parent_idx ON materials (parent_id);
-- The same bytes uploaded twice to one session are one material.
CREATE UNIQUE INDEX materials_same_bytes_idx ON materials (session_id, sha256)
    WHERE sha256 IS NOT NULL AND parent_id IS NULL;
