-- Guests set apart stay apart: who typed which email is not known.
DROP INDEX event_registrations_guest_person_idx;
DROP INDEX event_registrations_member_idx;
CREATE UNIQUE INDEX event_registrations_person_idx ON event_registrations (event_id, email)
    WHERE status <> 'cancelled';
CREATE TRIGGER event_registrations_claim AFTER INSERT ON users
BEGIN
    UPDATE event_registrations SET user_id = NEW.id
    WHERE user_id IS NULL AND email = NEW.email;
END;
