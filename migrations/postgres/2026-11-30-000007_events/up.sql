-- Community events (Déconnexion, country meetups): not tied to a cohort,
-- open to members and to guests without an account; registrations with a
-- capacity and a first-come waitlist, tickets checked at the door.
CREATE TABLE events (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    -- NULL: pan-African.
    country_code TEXT REFERENCES countries (code),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    timezone TEXT NOT NULL,
    venue TEXT,
    online_url TEXT,
    -- NULL: no limit.
    capacity INTEGER CHECK (capacity IS NULL OR capacity >= 1),
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'cancelled')),
    -- Kept by the registration statements, under this row's lock.
    registered_count INTEGER NOT NULL DEFAULT 0 CHECK (registered_count >= 0),
    waitlisted_count INTEGER NOT NULL DEFAULT 0 CHECK (waitlisted_count >= 0),
    -- The place in line the last registration took: the waitlist's order.
    last_position BIGINT NOT NULL DEFAULT 0,
    -- Whether that registration got a seat: the registering UPDATE decides
    -- it from the row as it was and hands it back through RETURNING.
    last_seated BOOLEAN NOT NULL DEFAULT FALSE,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX events_calendar_idx ON events (starts_at, id);
CREATE INDEX events_country_idx ON events (country_code, starts_at, id);

CREATE TABLE event_registrations (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    -- NULL for a guest until an account with the same email exists.
    user_id TEXT REFERENCES users (id),
    -- Lower case: who the person is, for members and guests alike.
    email TEXT NOT NULL,
    full_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('registered', 'waitlisted', 'cancelled')),
    queue_position BIGINT NOT NULL,
    -- 20 Crockford base-32 characters (100 bits), stored without dashes.
    ticket_code TEXT NOT NULL UNIQUE,
    -- Guests cancel with a token given once at registration; its digest.
    cancel_token_hash TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP,
    cancelled_by TEXT REFERENCES users (id),
    -- The earliest scan at the door, whatever order offline scans arrive in.
    checked_in_at TIMESTAMP,
    checked_in_by TEXT REFERENCES users (id)
);
-- One live registration per person and event, whatever the races.
CREATE UNIQUE INDEX event_registrations_person_idx ON event_registrations (event_id, email)
    WHERE status <> 'cancelled';
CREATE INDEX event_registrations_line_idx ON event_registrations (event_id, status, queue_position);
CREATE INDEX event_registrations_user_idx ON event_registrations (user_id, created_at);
CREATE INDEX event_registrations_guest_idx ON event_registrations (email) WHERE user_id IS NULL;

-- Chapter teams with their history: who coordinated or volunteered for a
-- country, since and until when. `country_coordinators` stays the set of
-- current coordinators that every access check joins; a removal sets
-- `until` here and keeps the row.
CREATE TABLE chapter_roles (
    id TEXT PRIMARY KEY NOT NULL,
    country_code TEXT NOT NULL REFERENCES countries (code),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('coordinator', 'volunteer')),
    since TIMESTAMP NOT NULL,
    until TIMESTAMP,
    CHECK (until IS NULL OR until >= since)
);
CREATE UNIQUE INDEX chapter_roles_current_idx ON chapter_roles (country_code, user_id, role)
    WHERE until IS NULL;
CREATE INDEX chapter_roles_user_idx ON chapter_roles (user_id, country_code);

INSERT INTO chapter_roles (id, country_code, user_id, role, since)
SELECT gen_random_uuid()::text, country_code, user_id, 'coordinator', created_at
FROM country_coordinators;

-- A guest's registrations become theirs when they create an account with
-- the same email, whichever way the account is made.
CREATE FUNCTION event_registrations_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE event_registrations SET user_id = NEW.id
    WHERE user_id IS NULL AND email = NEW.email;
    RETURN NULL;
END
$$;
CREATE TRIGGER event_registrations_claim AFTER INSERT ON users
FOR EACH ROW EXECUTE FUNCTION event_registrations_claim();
