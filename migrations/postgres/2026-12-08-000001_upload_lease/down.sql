ALTER TABLE uploads DROP COLUMN patch_lease_until, DROP COLUMN patch_lease;
