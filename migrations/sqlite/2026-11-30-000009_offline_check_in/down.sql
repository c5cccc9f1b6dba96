ALTER TABLE attendance DROP COLUMN scanned_at;
