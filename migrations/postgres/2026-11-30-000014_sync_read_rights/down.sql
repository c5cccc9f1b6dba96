DROP FUNCTION sync_read(TEXT, TEXT, TEXT, TEXT, BIGINT, BIGINT, BIGINT);

CREATE FUNCTION sync_read(
    p_user TEXT, p_lower TEXT, p_upper TEXT,
    p_after_pos BIGINT, p_after_seq BIGINT, p_limit BIGINT
)
RETURNS TABLE (
    horizon BIGINT, upper_snapshot TEXT,
    seq BIGINT, pos BIGINT, kind TEXT, entity_id TEXT, cohort_id TEXT
)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_lower pg_snapshot := p_lower::pg_snapshot;
    v_upper pg_snapshot := COALESCE(p_upper::pg_snapshot, pg_current_snapshot());
    v_horizon BIGINT := (SELECT h.pruned_below FROM sync_horizon h WHERE h.id = 1);
BEGIN
    RETURN QUERY
        SELECT v_horizon, v_upper::text, l.seq, l.pos, l.kind, l.entity_id, l.cohort_id
        FROM sync_log l
        WHERE l.pos >= pg_snapshot_xmin(v_lower)::text::bigint
          AND NOT pg_visible_in_snapshot(l.pos::text::xid8, v_lower)
          AND pg_visible_in_snapshot(l.pos::text::xid8, v_upper)
          AND (l.pos, l.seq) > (p_after_pos, p_after_seq)
          AND (l.user_id = p_user OR (l.user_id IS NULL AND l.cohort_id IN
              (SELECT m.cohort_id FROM memberships m WHERE m.user_id = p_user)))
        ORDER BY l.pos, l.seq
        LIMIT p_limit;
    IF NOT FOUND THEN
        RETURN QUERY SELECT v_horizon, v_upper::text,
            NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::text;
    END IF;
END
$$;
