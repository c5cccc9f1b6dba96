-- A check-in made on a phone without data and replayed later keeps the
-- time of the scan here; `marked_at` is when the server recorded it.
ALTER TABLE attendance ADD COLUMN scanned_at TIMESTAMP;
