-- Countries (chapters), accounts, refresh tokens and coordinators.
CREATE TABLE countries (
    code TEXT PRIMARY KEY NOT NULL CHECK (length(code) = 2 AND code = upper(code)),
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    created_at TIMESTAMP NOT NULL
);

INSERT INTO countries (code, name, timezone, currency, created_at) VALUES
  ('CI', 'Côte d''Ivoire', 'Africa/Abidjan', 'XOF', CURRENT_TIMESTAMP),
  ('BF', 'Burkina Faso', 'Africa/Ouagadougou', 'XOF', CURRENT_TIMESTAMP),
  ('ML', 'Mali', 'Africa/Bamako', 'XOF', CURRENT_TIMESTAMP),
  ('TG', 'Togo', 'Africa/Lome', 'XOF', CURRENT_TIMESTAMP),
  ('BJ', 'Bénin', 'Africa/Porto-Novo', 'XOF', CURRENT_TIMESTAMP),
  ('NE', 'Niger', 'Africa/Niamey', 'XOF', CURRENT_TIMESTAMP),
  ('CM', 'Cameroun', 'Africa/Douala', 'XAF', CURRENT_TIMESTAMP);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    -- Stored trimmed and lower-cased, so uniqueness ignores case.
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    full_name TEXT NOT NULL,
    country_code TEXT NOT NULL REFERENCES countries (code),
    profile_type TEXT NOT NULL
        CHECK (profile_type IN ('professional', 'student', 'entrepreneur', 'other')),
    language TEXT NOT NULL DEFAULT 'fr' CHECK (language IN ('fr', 'en')),
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_country_idx ON users (country_code, id);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Every token rotated from the same login shares a family.
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE country_coordinators (
    country_code TEXT NOT NULL REFERENCES countries (code) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (country_code, user_id)
);
CREATE INDEX country_coordinators_user_idx ON country_coordinators (user_id);
