-- A guest's registration never belongs to an account: anyone may type any
-- email into the guest form, and account emails are not verified. So no
-- account claims guest rows (the trigger goes), guests bound to an account
-- by the old code are set apart again (their cancel token still works),
-- and members and guests are kept unique separately: a guest typing a
-- member's email neither blocks nor reveals the member's registration.
DROP TRIGGER event_registrations_claim;
UPDATE event_registrations SET user_id = NULL
WHERE user_id IS NOT NULL AND cancel_token_hash IS NOT NULL;
DROP INDEX event_registrations_person_idx;
CREATE UNIQUE INDEX event_registrations_member_idx ON event_registrations (event_id, user_id)
    WHERE user_id IS NOT NULL AND status <> 'cancelled';
CREATE UNIQUE INDEX event_registrations_guest_person_idx ON event_registrations (event_id, email)
    WHERE user_id IS NULL AND status <> 'cancelled';
