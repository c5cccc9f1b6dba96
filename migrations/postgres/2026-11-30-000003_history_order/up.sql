-- The audit trail in the order its rows were written. changed_at is the
-- instant the request started; two roll calls on one session commit in the
-- order they take the session's lock, which need not be the order they
-- started in, so ordering by changed_at could show a change before the one
-- it replaced. seq comes from a sequence, taken at insert time under the
-- session's lock: for one learner of one session, seq order is commit order.
ALTER TABLE attendance_changes ADD COLUMN seq BIGINT;
UPDATE attendance_changes AS a SET seq = o.n
FROM (SELECT id, row_number() OVER (ORDER BY changed_at, id) AS n FROM attendance_changes) AS o
WHERE a.id = o.id;
CREATE SEQUENCE attendance_changes_seq OWNED BY attendance_changes.seq;
SELECT setval('attendance_changes_seq', COALESCE((SELECT max(seq) FROM attendance_changes), 0) + 1, false);
ALTER TABLE attendance_changes
    ALTER COLUMN seq SET DEFAULT nextval('attendance_changes_seq'),
    ALTER COLUMN seq SET NOT NULL;
CREATE INDEX attendance_changes_session_seq_idx ON attendance_changes (session_id, seq);
