-- Running counts behind the cohort report: per cohort and learner, how many
-- of their records fall in each status, over the sessions that count
-- (counting for completion, scheduled, not deleted), ended or not. The
-- report reads these and takes off the records of counted sessions that
-- have not ended yet, instead of grouping every record of the cohort.
--
-- Triggers keep the counts in the transaction of every write, whatever
-- writes: a roll call, a check-in, an import, the seeder, a session that
-- is cancelled, restored, deleted or stops counting. Rows are locked in
-- learner order where a statement touches many (a roll call sorts its
-- records; a session change locks first), so concurrent writers to one
-- cohort queue instead of deadlocking.
CREATE TABLE attendance_tallies (
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    present INTEGER NOT NULL DEFAULT 0,
    late INTEGER NOT NULL DEFAULT 0,
    excused INTEGER NOT NULL DEFAULT 0,
    absent INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (cohort_id, user_id)
);

INSERT INTO attendance_tallies (cohort_id, user_id, present, late, excused, absent)
SELECT s.cohort_id, a.user_id,
       count(*) FILTER (WHERE a.status = 'present'), count(*) FILTER (WHERE a.status = 'late'),
       count(*) FILTER (WHERE a.status = 'excused'), count(*) FILTER (WHERE a.status = 'absent')
FROM attendance a
JOIN sessions s ON s.id = a.session_id
WHERE s.status = 'scheduled' AND s.counts_for_completion AND s.deleted_at IS NULL
GROUP BY s.cohort_id, a.user_id;

-- Adds `p_sign` (1 or -1) of one record to its learner's counts, when its
-- session counts.
CREATE FUNCTION attendance_tally(p_session TEXT, p_learner TEXT, p_status TEXT, p_sign INTEGER)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO attendance_tallies AS t (cohort_id, user_id, present, late, excused, absent)
    SELECT s.cohort_id, p_learner,
           p_sign * (p_status = 'present')::int, p_sign * (p_status = 'late')::int,
           p_sign * (p_status = 'excused')::int, p_sign * (p_status = 'absent')::int
    FROM sessions s
    WHERE s.id = p_session
      AND s.status = 'scheduled' AND s.counts_for_completion AND s.deleted_at IS NULL
    ON CONFLICT (cohort_id, user_id) DO UPDATE SET
        present = t.present + excluded.present, late = t.late + excluded.late,
        excused = t.excused + excluded.excused, absent = t.absent + excluded.absent
$$;

CREATE FUNCTION attendance_tallies_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM attendance_tally(OLD.session_id, OLD.user_id, OLD.status, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM attendance_tally(NEW.session_id, NEW.user_id, NEW.status, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER attendance_tallies_insert_delete AFTER INSERT OR DELETE ON attendance
FOR EACH ROW EXECUTE FUNCTION attendance_tallies_row();

CREATE TRIGGER attendance_tallies_update AFTER UPDATE OF session_id, user_id, status ON attendance
FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.session_id IS DISTINCT FROM NEW.session_id
    OR OLD.user_id IS DISTINCT FROM NEW.user_id)
EXECUTE FUNCTION attendance_tallies_row();

-- A session that starts or stops counting (cancelled, restored, deleted,
-- counts_for_completion changed, or removed for good) moves all its
-- records in or out.
CREATE FUNCTION sessions_tallies_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE')
        AND OLD.status = 'scheduled' AND OLD.counts_for_completion AND OLD.deleted_at IS NULL THEN
        PERFORM 1 FROM attendance_tallies t
        WHERE t.cohort_id = OLD.cohort_id
          AND t.user_id IN (SELECT a.user_id FROM attendance a WHERE a.session_id = OLD.id)
        ORDER BY t.user_id
        FOR UPDATE;
        UPDATE attendance_tallies t SET
            present = t.present - (a.status = 'present')::int,
            late = t.late - (a.status = 'late')::int,
            excused = t.excused - (a.status = 'excused')::int,
            absent = t.absent - (a.status = 'absent')::int
        FROM attendance a
        WHERE a.session_id = OLD.id AND t.cohort_id = OLD.cohort_id AND t.user_id = a.user_id;
    END IF;
    IF TG_OP = 'UPDATE'
        AND NEW.status = 'scheduled' AND NEW.counts_for_completion AND NEW.deleted_at IS NULL THEN
        INSERT INTO attendance_tallies AS t (cohort_id, user_id, present, late, excused, absent)
        SELECT NEW.cohort_id, a.user_id,
               (a.status = 'present')::int, (a.status = 'late')::int,
               (a.status = 'excused')::int, (a.status = 'absent')::int
        FROM attendance a
        WHERE a.session_id = NEW.id
        ORDER BY a.user_id
        ON CONFLICT (cohort_id, user_id) DO UPDATE SET
            present = t.present + excluded.present, late = t.late + excluded.late,
            excused = t.excused + excluded.excused, absent = t.absent + excluded.absent;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_tallies_update
AFTER UPDATE OF cohort_id, status, counts_for_completion, deleted_at ON sessions
FOR EACH ROW
WHEN ((OLD.status = 'scheduled' AND OLD.counts_for_completion AND OLD.deleted_at IS NULL)
        IS DISTINCT FROM (NEW.status = 'scheduled' AND NEW.counts_for_completion AND NEW.deleted_at IS NULL)
    OR OLD.cohort_id IS DISTINCT FROM NEW.cohort_id)
EXECUTE FUNCTION sessions_tallies_row();

-- Before the cascade: the records' own delete trigger will no longer find
-- the session.
CREATE TRIGGER sessions_tallies_delete BEFORE DELETE ON sessions
FOR EACH ROW EXECUTE FUNCTION sessions_tallies_row();
