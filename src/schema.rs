//! Diesel table definitions, written by hand with portable types only (see
//! DATABASE.md): ids and enums are `Text`, instants `Timestamp` in UTC.

diesel::table! {
    countries (code) {
        code -> Text,
        name -> Text,
        timezone -> Text,
        currency -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        full_name -> Text,
        country_code -> Text,
        profile_type -> Text,
        language -> Text,
        is_admin -> Bool,
        is_active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    country_coordinators (country_code, user_id) {
        country_code -> Text,
        user_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    programmes (id) {
        id -> Text,
        title -> Text,
        description -> Text,
        language -> Text,
        min_attendance_rate -> Integer,
        required_submissions -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cohorts (id) {
        id -> Text,
        programme_id -> Text,
        name -> Text,
        country_code -> Nullable<Text>,
        timezone -> Text,
        starts_on -> Date,
        ends_on -> Date,
        capacity -> Integer,
        auto_accept -> Bool,
        status -> Text,
        late_after_minutes -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        members_version -> BigInt,
        sessions_version -> BigInt,
        casework_version -> BigInt,
    }
}

diesel::table! {
    memberships (cohort_id, user_id) {
        cohort_id -> Text,
        user_id -> Text,
        role -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        cohort_id -> Text,
        kind -> Text,
        title -> Text,
        description -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        online_url -> Nullable<Text>,
        venue -> Nullable<Text>,
        trainer_id -> Nullable<Text>,
        status -> Text,
        counts_for_completion -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        series_id -> Nullable<Text>,
    }
}

diesel::table! {
    materials (id) {
        id -> Text,
        session_id -> Text,
        parent_id -> Nullable<Text>,
        title -> Text,
        kind -> Text,
        url -> Nullable<Text>,
        file_name -> Nullable<Text>,
        content_type -> Nullable<Text>,
        size_bytes -> Nullable<BigInt>,
        sha256 -> Nullable<Text>,
        storage_key -> Nullable<Text>,
        uploaded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    uploads (id) {
        id -> Text,
        session_id -> Text,
        created_by -> Text,
        title -> Text,
        kind -> Text,
        file_name -> Text,
        length -> BigInt,
        upload_offset -> BigInt,
        material_id -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        patch_lease -> Nullable<Text>,
        patch_lease_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    upload_segments (upload_id, start_offset) {
        upload_id -> Text,
        start_offset -> BigInt,
        size -> BigInt,
        storage_key -> Text,
    }
}

diesel::table! {
    calendar_tokens (user_id) {
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    attendance (session_id, user_id) {
        session_id -> Text,
        user_id -> Text,
        status -> Text,
        method -> Text,
        note -> Nullable<Text>,
        marked_by -> Text,
        marked_at -> Timestamp,
        scanned_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Kept by triggers: see migration 5.
    attendance_tallies (cohort_id, user_id) {
        cohort_id -> Text,
        user_id -> Text,
        present -> Integer,
        late -> Integer,
        excused -> Integer,
        absent -> Integer,
    }
}

diesel::table! {
    attendance_changes (id) {
        id -> Text,
        session_id -> Text,
        user_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        method -> Text,
        note -> Nullable<Text>,
        changed_by -> Text,
        changed_at -> Timestamp,
        seq -> BigInt,
    }
}

diesel::table! {
    check_in_windows (session_id) {
        session_id -> Text,
        opened_by -> Text,
        opened_at -> Timestamp,
        closes_at -> Timestamp,
        rotate_seconds -> Integer,
    }
}

diesel::table! {
    check_in_failures (session_id, user_id, opened_at) {
        session_id -> Text,
        user_id -> Text,
        opened_at -> Timestamp,
        failures -> Integer,
    }
}

diesel::table! {
    revoked_sessions (id) {
        id -> Text,
        user_id -> Text,
        revoked_at -> Timestamp,
    }
}

diesel::table! {
    throttles (key) {
        key -> Text,
        hits -> Integer,
        window_start -> BigInt,
        penalty -> BigInt,
        blocked_until -> BigInt,
    }
}

diesel::joinable!(users -> countries (country_code));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(country_coordinators -> users (user_id));
diesel::joinable!(country_coordinators -> countries (country_code));

diesel::joinable!(cohorts -> programmes (programme_id));
diesel::joinable!(cohorts -> countries (country_code));
diesel::joinable!(memberships -> cohorts (cohort_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(sessions -> cohorts (cohort_id));
diesel::joinable!(sessions -> users (trainer_id));
diesel::joinable!(calendar_tokens -> users (user_id));
diesel::joinable!(attendance -> sessions (session_id));
diesel::joinable!(attendance_changes -> sessions (session_id));
diesel::joinable!(attendance_tallies -> cohorts (cohort_id));
diesel::joinable!(check_in_windows -> sessions (session_id));
diesel::joinable!(materials -> sessions (session_id));
diesel::joinable!(uploads -> sessions (session_id));
diesel::joinable!(upload_segments -> uploads (upload_id));

diesel::table! {
    roster_versions (session_id, shard) {
        session_id -> Text,
        shard -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    assignments (id) {
        id -> Text,
        session_id -> Text,
        brief -> Text,
        due_at -> Timestamp,
        max_score -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    submissions (id) {
        id -> Text,
        assignment_id -> Text,
        user_id -> Text,
        version -> Integer,
        body -> Nullable<Text>,
        link_url -> Nullable<Text>,
        file_name -> Nullable<Text>,
        content_type -> Nullable<Text>,
        size_bytes -> Nullable<BigInt>,
        sha256 -> Nullable<Text>,
        storage_key -> Nullable<Text>,
        status -> Text,
        score -> Nullable<Integer>,
        feedback -> Nullable<Text>,
        late -> Bool,
        submitted_at -> Timestamp,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        superseded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    submission_reviews (id) {
        id -> Text,
        submission_id -> Text,
        reviewer_id -> Text,
        status -> Text,
        score -> Nullable<Integer>,
        feedback -> Nullable<Text>,
        reviewed_at -> Timestamp,
    }
}

diesel::table! {
    certificates (id) {
        id -> Text,
        code -> Text,
        cohort_id -> Text,
        user_id -> Text,
        full_name -> Text,
        programme_title -> Text,
        cohort_name -> Text,
        country_code -> Nullable<Text>,
        issued_at -> Timestamp,
        issued_by -> Text,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
        revocation_reason -> Nullable<Text>,
    }
}

diesel::joinable!(assignments -> sessions (session_id));
diesel::joinable!(submissions -> assignments (assignment_id));
diesel::joinable!(submission_reviews -> submissions (submission_id));
diesel::joinable!(certificates -> cohorts (cohort_id));

diesel::table! {
    events (id) {
        id -> Text,
        title -> Text,
        description -> Text,
        country_code -> Nullable<Text>,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        timezone -> Text,
        venue -> Nullable<Text>,
        online_url -> Nullable<Text>,
        capacity -> Nullable<Integer>,
        status -> Text,
        registered_count -> Integer,
        waitlisted_count -> Integer,
        last_position -> BigInt,
        last_seated -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    event_registrations (id) {
        id -> Text,
        event_id -> Text,
        user_id -> Nullable<Text>,
        email -> Text,
        full_name -> Text,
        status -> Text,
        queue_position -> BigInt,
        ticket_code -> Text,
        cancel_token_hash -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        cancelled_by -> Nullable<Text>,
        checked_in_at -> Nullable<Timestamp>,
        checked_in_by -> Nullable<Text>,
    }
}

diesel::table! {
    chapter_roles (id) {
        id -> Text,
        country_code -> Text,
        user_id -> Text,
        role -> Text,
        since -> Timestamp,
        until -> Nullable<Timestamp>,
    }
}

diesel::joinable!(event_registrations -> events (event_id));
diesel::joinable!(chapter_roles -> users (user_id));
diesel::joinable!(events -> countries (country_code));

diesel::table! {
    idempotency_keys (user_id, idempotency_key) {
        user_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        headers -> Nullable<Text>,
        body -> Nullable<Binary>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sync_log (seq) {
        seq -> BigInt,
        kind -> Text,
        entity_id -> Text,
        cohort_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
    }
}

diesel::table! {
    sync_marks (marked_at) {
        marked_at -> Timestamp,
        pos -> BigInt,
    }
}

diesel::table! {
    sync_horizon (id) {
        id -> Integer,
        pruned_below -> BigInt,
    }
}

diesel::table! {
    session_series (id) {
        id -> Text,
        cohort_id -> Text,
        frequency -> Text,
        repeat_interval -> Integer,
        occurrences -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invitations (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        cohort_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    session_feedback (session_id, user_id) {
        session_id -> Text,
        user_id -> Text,
        rating -> Integer,
        comment -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(session_series -> cohorts (cohort_id));
diesel::joinable!(invitations -> users (user_id));
diesel::joinable!(session_feedback -> sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(
    countries,
    users,
    refresh_tokens,
    country_coordinators,
    programmes,
    cohorts,
    memberships,
    sessions,
    calendar_tokens,
    attendance,
    attendance_tallies,
    attendance_changes,
    check_in_windows,
    check_in_failures,
    roster_versions,
    throttles,
    revoked_sessions,
    materials,
    uploads,
    upload_segments,
    assignments,
    submissions,
    submission_reviews,
    certificates,
    events,
    event_registrations,
    chapter_roles,
    idempotency_keys,
    sync_log,
    sync_marks,
    sync_horizon,
    session_series,
    invitations,
    session_feedback,
);

// A cohort's feedback groups ratings by session (`feedback_queries`).
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    sessions::id,
    sessions::title,
    sessions::kind,
    sessions::starts_at,
    session_feedback::rating,
);
