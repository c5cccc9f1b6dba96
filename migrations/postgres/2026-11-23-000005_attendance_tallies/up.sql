-- Running counts behind the cohort report: per cohort and learner, how many
-- of their records fall in each status, over the sessions that count
-- (counting for completion, scheduled, not deleted), ended or not. The
-- report reads these and takes off the records of counted sessions that
-- have not ended yet, instead of grouping every record of the cohort.
--
-- Triggers keep the counts in the transaction of every write, whatever
-- writes: a roll call, a check-in, an import, the seeder, a session that
-- is cancelled, restored, deleted or stops counting. Every change locks
-- the learners' rows in learner order, so concurrent writers to one cohort
-- queue instead of deadlocking.
CREATE TABLE attendance_tallies (
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    present INTEGER NOT NULL DEFAULT 0,
    late INTEGER NOT NULL DEFAULT 0,
    excused INTEGER NOT NULL DEFAULT 0,
    absent INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (cohort_id, user_id)
) WITH (fillfactor = 50);

INSERT INTO attendance_tallies (cohort_id, user_id, present, late, excused, absent)
SELECT s.cohort_id, a.user_id,
       count(*) FILTER (WHERE a.status = 'present'), count(*) FILTER (WHERE a.status = 'late'),
       count(*) FILTER (WHERE a.status = 'excused'), count(*) FILTER (WHERE a.status = 'absent')
FROM attendance a
JOIN sessions s ON s.id = a.session_id
WHERE s.status = 'scheduled' AND s.counts_for_completion AND s.deleted_at IS NULL
GROUP BY s.cohort_id, a.user_id;

-- Statement triggers with transition tables: a roll call of 250 records
-- applies one grouped change instead of 250 (row triggers made a
-- PostgreSQL roll call three times slower). `d` is the records' signed
-- change: grouped by cohort and learner, for the sessions that count, in
-- learner order (the order rows are locked in).
CREATE FUNCTION attendance_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO attendance_tallies AS t (cohort_id, user_id, present, late, excused, absent)
        SELECT s.cohort_id, d.user_id,
               count(*) FILTER (WHERE d.status = 'present'),
               count(*) FILTER (WHERE d.status = 'late'),
               count(*) FILTER (WHERE d.status = 'excused'),
               count(*) FILTER (WHERE d.status = 'absent')
        FROM new_rows d
        JOIN sessions s ON s.id = d.session_id
        WHERE s.status = 'scheduled' AND s.counts_for_completion AND s.deleted_at IS NULL
        GROUP BY s.cohort_id, d.user_id
        ORDER BY s.cohort_id, d.user_id
        ON CONFLICT (cohort_id, user_id) DO UPDATE SET
            present = t.present + excluded.present, late = t.late + excluded.late,
            excused = t.excused + excluded.excused, absent = t.absent + excluded.absent;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO attendance_tallies AS t (cohort_id, user_id, present, late, excused, absent)
        SELECT s.cohort_id, d.user_id,
               -count(*) FILTER (WHERE d.status = 'present'),
               -count(*) FILTER (WHERE d.status = 'late'),
               -count(*) FILTER (WHERE d.status = 'excused'),
               -count(*) FILTER (WHERE d.status = 'absent')
        FROM old_rows d
        JOIN sessions s ON s.id = d.session_id
        WHERE s.status = 'scheduled' AND s.counts_for_completion AND s.deleted_at IS NULL
        GROUP BY s.cohort_id, d.user_id
        ORDER BY s.cohort_id, d.user_id
        ON CONFLICT (cohort_id, user_id) DO UPDATE SET
            present = t.present + excluded.present, late = t.late + excluded.late,
            excused = t.excused + excluded.excused, absent = t.absent + excluded.absent;
    ELSE
        INSERT INTO attendance_tallies AS t (cohort_id, user_id, present, late, excused, absent)
        SELECT s.cohort_id, d.user_id,
               sum(d.sign * (d.status = 'present')::int),
               sum(d.sign * (d.status = 'late')::int),
               sum(d.sign * (d.status = 'excused')::int),
               sum(d.sign * (d.status = 'absent')::int)
        FROM (
            SELECT n.session_id, n.user_id, n.status, 1 AS sign FROM new_rows n
            UNION ALL
            SELECT o.session_id, o.user_id, o.status, -1 FROM old_rows o
        ) d
        JOIN sessions s ON s.id = d.session_id
        WHERE s.status = 'scheduled' AND s.counts_for_completion AND s.deleted_at IS NULL
        GROUP BY s.cohort_id, d.user_id
        HAVING sum(d.sign * (d.status = 'present')::int) <> 0
            OR sum(d.sign * (d.status = 'late')::int) <> 0
            OR sum(d.sign * (d.status = 'excused')::int) <> 0
            OR sum(d.sign * (d.status = 'absent')::int) <> 0
        ORDER BY s.cohort_id, d.user_id
        ON CONFLICT (cohort_id, user_id) DO UPDATE SET
            present = t.present + excluded.present, late = t.late + excluded.late,
            excused = t.excused + excluded.excused, absent = t.absent + excluded.absent;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER attendance_tallies_insert AFTER INSERT ON attendance
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION attendance_tallies_apply();

CREATE TRIGGER attendance_tallies_delete AFTER DELETE ON attendance
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION attendance_tallies_apply();

CREATE TRIGGER attendance_tallies_update AFTER UPDATE ON attendance
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION attendance_tallies_apply();

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
