-- Throttles of sign-in and registration, shared by every process: one row
-- per key ('account:<email>', 'client:<address>', 'register:<address>').
-- Instants are Unix seconds so that the back-off is plain integer
-- arithmetic in one statement on both backends.
CREATE TABLE throttles (
    key TEXT PRIMARY KEY NOT NULL,
    -- Attempts counted in the current window (client keys) or since the
    -- last success (account keys).
    hits INTEGER NOT NULL,
    window_start BIGINT NOT NULL,
    -- Seconds of the current back-off (account keys): doubles per attempt
    -- past the free ones, up to the configured cap.
    penalty BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);
CREATE INDEX throttles_housekeeping_idx ON throttles (window_start);
