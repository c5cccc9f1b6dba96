DROP TRIGGER event_registrations_claim ON users;
DROP FUNCTION event_registrations_claim();
DROP TABLE chapter_roles;
DROP TABLE event_registrations;
DROP TABLE events;
