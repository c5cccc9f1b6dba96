-- Running counts behind the cohort report: per cohort and learner, how many
-- of their records fall in each status, over the sessions that count
-- (counting for completion, scheduled, not deleted), ended or not. The
-- report reads these and takes off the records of counted sessions that
-- have not ended yet, instead of grouping every record of the cohort.
--
-- Triggers keep the counts in the transaction of every write, whatever
-- writes: a roll call, a check-in, an import, the seeder, a session that
-- is cancelled, restored, deleted or stops counting.
CREATE TABLE attendance_tallies (
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    present INTEGER NOT NULL DEFAULT 0,
    late INTEGER NOT NULL DEFAULT 0,
    excused INTEGER NOT NULL DEFAULT 0,
    absent INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (cohort_id, user_id)
) WITHOUT ROWID;

INSERT INTO attendance_tallies (cohort_id, user_id, present, late, excused, absent)
SELECT s.cohort_id, a.user_id,
       sum(a.status = 'present'), sum(a.status = 'late'),
       sum(a.status = 'excused'), sum(a.status = 'absent')
FROM attendance a
JOIN sessions s ON s.id = a.session_id
WHERE s.status = 'scheduled' AND s.counts_for_completion AND s.deleted_at IS NULL
GROUP BY s.cohort_id, a.user_id;

CREATE TRIGGER attendance_tallies_insert AFTER INSERT ON attendance
BEGIN
    INSERT INTO attendance_tallies (cohort_id, user_id, present, late, excused, absent)
    SELECT s.cohort_id, NEW.user_id, NEW.status = 'present', NEW.status = 'late',
           NEW.status = 'excused', NEW.status = 'absent'
    FROM sessions s
    WHERE s.id = NEW.session_id
      AND s.status = 'scheduled' AND s.counts_for_completion AND s.deleted_at IS NULL
    ON CONFLICT (cohort_id, user_id) DO UPDATE SET
        present = present + excluded.present, late = late + excluded.late,
        excused = excused + excluded.excused, absent = absent + excluded.absent;
END;

CREATE TRIGGER attendance_tallies_delete AFTER DELETE ON attendance
BEGIN
    UPDATE attendance_tallies SET
        present = present - (OLD.status = 'present'), late = late - (OLD.status = 'late'),
        excused = excused - (OLD.status = 'excused'), absent = absent - (OLD.status = 'absent')
    WHERE user_id = OLD.user_id AND cohort_id = (
        SELECT s.cohort_id FROM sessions s
        WHERE s.id = OLD.session_id
          AND s.status = 'scheduled' AND s.counts_for_completion AND s.deleted_at IS NULL);
END;

CREATE TRIGGER attendance_tallies_update AFTER UPDATE OF session_id, user_id, status ON attendance
WHEN OLD.status IS NOT NEW.status OR OLD.session_id IS NOT NEW.session_id
    OR OLD.user_id IS NOT NEW.user_id
BEGIN
    UPDATE attendance_tallies SET
        present = present - (OLD.status = 'present'), late = late - (OLD.status = 'late'),
        excused = excused - (OLD.status = 'excused'), absent = absent - (OLD.status = 'absent')
    WHERE user_id = OLD.user_id AND cohort_id = (
        SELECT s.cohort_id FROM sessions s
        WHERE s.id = OLD.session_id
          AND s.status = 'scheduled' AND s.counts_for_completion AND s.deleted_at IS NULL);
    INSERT INTO attendance_tallies (cohort_id, user_id, present, late, excused, absent)
    SELECT s.cohort_id, NEW.user_id, NEW.status = 'present', NEW.status = 'late',
           NEW.status = 'excused', NEW.status = 'absent'
    FROM sessions s
    WHERE s.id = NEW.session_id
      AND s.status = 'scheduled' AND s.counts_for_completion AND s.deleted_at IS NULL
    ON CONFLICT (cohort_id, user_id) DO UPDATE SET
        present = present + excluded.present, late = late + excluded.late,
        excused = excused + excluded.excused, absent = absent + excluded.absent;
END;

-- A session that starts or stops counting (cancelled, restored, deleted,
-- counts_for_completion changed) moves all its records in or out.
CREATE TRIGGER sessions_tallies_update
AFTER UPDATE OF cohort_id, status, counts_for_completion, deleted_at ON sessions
WHEN (OLD.status = 'scheduled' AND OLD.counts_for_completion AND OLD.deleted_at IS NULL)
        IS NOT (NEW.status = 'scheduled' AND NEW.counts_for_completion AND NEW.deleted_at IS NULL)
    OR OLD.cohort_id IS NOT NEW.cohort_id
BEGIN
    UPDATE attendance_tallies SET
        present = present - (a.status = 'present'), late = late - (a.status = 'late'),
        excused = excused - (a.status = 'excused'), absent = absent - (a.status = 'absent')
    FROM attendance a
    WHERE OLD.status = 'scheduled' AND OLD.counts_for_completion AND OLD.deleted_at IS NULL
      AND a.session_id = OLD.id
      AND attendance_tallies.cohort_id = OLD.cohort_id
      AND attendance_tallies.user_id = a.user_id;
    INSERT INTO attendance_tallies (cohort_id, user_id, present, late, excused, absent)
    SELECT NEW.cohort_id, a.user_id, a.status = 'present', a.status = 'late',
           a.status = 'excused', a.status = 'absent'
    FROM attendance a
    WHERE NEW.status = 'scheduled' AND NEW.counts_for_completion AND NEW.deleted_at IS NULL
      AND a.session_id = NEW.id
    ON CONFLICT (cohort_id, user_id) DO UPDATE SET
        present = present + excluded.present, late = late + excluded.late,
        excused = excused + excluded.excused, absent = absent + excluded.absent;
END;

-- A session removed for good (its cohort deleted) takes its records out
-- first; the records' own delete trigger no longer finds the session.
CREATE TRIGGER sessions_tallies_delete BEFORE DELETE ON sessions
WHEN OLD.status = 'scheduled' AND OLD.counts_for_completion AND OLD.deleted_at IS NULL
BEGIN
    UPDATE attendance_tallies SET
        present = present - (a.status = 'present'), late = late - (a.status = 'late'),
        excused = excused - (a.status = 'excused'), absent = absent - (a.status = 'absent')
    FROM attendance a
    WHERE a.session_id = OLD.id
      AND attendance_tallies.cohort_id = OLD.cohort_id
      AND attendance_tallies.user_id = a.user_id;
END;
