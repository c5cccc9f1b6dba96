ALTER TABLE uploads DROP COLUMN patch_lease_until;
ALTER TABLE uploads DROP COLUMN patch_lease;
