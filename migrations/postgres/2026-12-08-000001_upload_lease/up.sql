-- One PATCH at a time per upload, decided before its body is read: the
-- PATCH that takes the lease streams its bytes; another one at the same
-- time is answered 409 at once instead of after its whole body. The lease
-- is renewed while bytes flow and lapses on its own if its holder dies.
ALTER TABLE uploads ADD COLUMN patch_lease TEXT, ADD COLUMN patch_lease_until TIMESTAMP;
