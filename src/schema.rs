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

diesel::joinable!(users -> countries (country_code));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(country_coordinators -> users (user_id));
diesel::joinable!(country_coordinators -> countries (country_code));

diesel::allow_tables_to_appear_in_same_query!(
    countries,
    users,
    refresh_tokens,
    country_coordinators
);
