//! The French and English texts of every error: [`Msg`] for whole answers,
//! [`Issue`] for one field. French first, as everywhere.

use crate::i18n::Lang;

/// Messages carried by errors, each in French and English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    MalformedJson,
    MalformedMultipart,
    TusHeader,
    UploadOffsetMoved,
    UploadBusy,
    IdempotencyKeyExpired,
    NoVariantHere,
    UnsupportedMediaType,
    InvalidQuery,
    MissingToken,
    InvalidToken,
    ExpiredToken,
    InvalidCredentials,
    AccountDisabled,
    InvalidRefreshToken,
    RefreshTokenReused,
    EmailTaken,
    CountryExists,
    Duplicate,
    StillReferenced,
    AdminOnly,
    StaffOnly,
    ProgrammeHasCohorts,
    NotAcceptingApplications,
    AlreadyMember,
    CohortFull,
    NotYourCountry,
    CheckInClosed,
    SessionCancelled,
    NotALearner,
    InvalidCalendarToken,
    AssignmentExists,
    AlreadySubmitted,
    NotCurrentVersion,
    AlreadyRevoked,
    AlreadyRegistered,
    EventNotOpen,
    EventOver,
    TicketWaitlisted,
    TicketCancelled,
    SyncTokenExpired,
    SessionNotStarted,
    InvitationUsed,
    BrokenBody,
    InvitationExpired,
    ImportRejected,
    NotAttended,
}

impl Msg {
    pub(super) fn texts(self) -> (&'static str, &'static str) {
        match self {
            Msg::MalformedJson => (
                "Le corps de la requête n'est pas un JSON valide.",
                "The request body is not valid JSON.",
            ),
            Msg::TusHeader => (
                "Un en-tête tus (Upload-Length, Upload-Offset, Upload-Metadata) manque ou est illisible.",
                "A tus header (Upload-Length, Upload-Offset, Upload-Metadata) is missing or unreadable.",
            ),
            Msg::UploadOffsetMoved => (
                "Upload-Offset n'est pas le point atteint : demandez-le (HEAD) puis reprenez de là.",
                "Upload-Offset is not the offset reached: ask for it (HEAD) and resume from there.",
            ),
            Msg::IdempotencyKeyExpired => (
                "Cette requête a déjà été exécutée avec cette clé il y a plus de 24 h ; sa réponse n'est plus gardée. Une nouvelle requête prend une nouvelle clé.",
                "This request already ran with this key more than 24 h ago; its answer is no longer kept. A new request takes a new key.",
            ),
            Msg::UploadBusy => (
                "Une autre requête envoie ou assemble ce fichier en ce moment : réessayez dans quelques secondes (HEAD, puis reprenez).",
                "Another request is sending or assembling this file right now: retry in a few seconds (HEAD, then resume).",
            ),
            Msg::NoVariantHere => (
                "Seul un fichier peut recevoir une variante (ni un lien, ni une variante).",
                "Only a file takes a variant (neither a link nor a variant).",
            ),
            Msg::AssignmentExists => (
                "Cette séance a déjà un devoir : modifiez-le (PATCH /assignments/{id}).",
                "This session already has an assignment: change it (PATCH /assignments/{id}).",
            ),
            Msg::AlreadySubmitted => (
                "Votre travail est déjà remis (en attente de correction ou accepté) : un nouvel envoi n'est possible qu'après une demande de révision.",
                "Your work is already handed in (awaiting review or accepted): a new one is possible only after a revision is asked for.",
            ),
            Msg::NotCurrentVersion => (
                "Cette version a été remplacée par une nouvelle remise : corrigez la version actuelle.",
                "This version was replaced by a newer one: review the current version.",
            ),
            Msg::AlreadyRevoked => (
                "Ce certificat est déjà révoqué.",
                "This certificate is already revoked.",
            ),
            Msg::AlreadyRegistered => (
                "Cette personne est déjà inscrite à cet événement.",
                "This person is already registered for this event.",
            ),
            Msg::EventNotOpen => (
                "Les inscriptions à cet événement ne sont pas ouvertes.",
                "Registration for this event is not open.",
            ),
            Msg::EventOver => (
                "Cet événement est terminé.",
                "This event is over.",
            ),
            Msg::TicketWaitlisted => (
                "Ce billet est sur liste d'attente : la personne n'a pas encore de place.",
                "This ticket is on the waitlist: the person does not have a seat yet.",
            ),
            Msg::TicketCancelled => (
                "Ce billet a été annulé.",
                "This ticket was cancelled.",
            ),
            Msg::BrokenBody => (
                "Le corps de la requête est arrivé incomplet ou illisible.",
                "The request body arrived cut short or unreadable.",
            ),
            Msg::InvitationUsed => (
                "Cette invitation a déjà servi : connectez-vous avec votre mot de passe.",
                "This invitation was already used: sign in with your password.",
            ),
            Msg::InvitationExpired => (
                "Cette invitation a expiré : demandez-en une nouvelle à votre coordination.",
                "This invitation has expired: ask your coordinator for a new one.",
            ),
            Msg::ImportRejected => (
                "Le fichier a des erreurs ; rien n'a été enregistré. Voir « errors » (ligne : colonne).",
                "The file has errors; nothing was saved. See \"errors\" (line: column).",
            ),
            Msg::SessionNotStarted => (
                "La séance n'a pas encore commencé.",
                "The session has not started yet.",
            ),
            Msg::NotAttended => (
                "Seuls les apprenant·es noté·es présent·es ou en retard peuvent évaluer cette séance.",
                "Only learners marked present or late may rate this session.",
            ),
            Msg::SyncTokenExpired => (
                "Ce jeton de synchronisation est trop ancien : synchronisez tout à nouveau (sans « since »).",
                "This sync token is too old: sync everything again (without `since`).",
            ),
            Msg::MalformedMultipart => (
                "Le corps multipart/form-data est illisible.",
                "The multipart/form-data body is unreadable.",
            ),
            Msg::UnsupportedMediaType => (
                "Le corps doit être envoyé en application/json.",
                "The body must be sent as application/json.",
            ),
            Msg::InvalidQuery => (
                "Les paramètres de la requête sont invalides.",
                "The query parameters are invalid.",
            ),
            Msg::MissingToken => (
                "Authentification requise : envoyez un jeton d'accès (Authorization: Bearer).",
                "Authentication required: send an access token (Authorization: Bearer).",
            ),
            Msg::InvalidToken => (
                "Le jeton d'accès est invalide.",
                "The access token is invalid.",
            ),
            Msg::ExpiredToken => (
                "Le jeton d'accès a expiré ; renouvelez-le.",
                "The access token has expired; refresh it.",
            ),
            Msg::InvalidCredentials => (
                "Adresse e-mail ou mot de passe incorrect.",
                "Incorrect email address or password.",
            ),
            Msg::AccountDisabled => (
                "Ce compte est désactivé.",
                "This account is deactivated.",
            ),
            Msg::InvalidRefreshToken => (
                "Le jeton de rafraîchissement est invalide ou expiré ; reconnectez-vous.",
                "The refresh token is invalid or expired; log in again.",
            ),
            Msg::RefreshTokenReused => (
                "Ce jeton de rafraîchissement a déjà servi : la session est révoquée, reconnectez-vous.",
                "This refresh token was already used: the session is revoked, log in again.",
            ),
            Msg::EmailTaken => (
                "Un compte existe déjà avec cette adresse e-mail.",
                "An account already exists with this email address.",
            ),
            Msg::CountryExists => ("Ce pays existe déjà.", "This country already exists."),
            Msg::Duplicate => (
                "Cette ressource existe déjà.",
                "This resource already exists.",
            ),
            Msg::StillReferenced => (
                "Cette ressource est encore utilisée ailleurs.",
                "This resource is still referenced elsewhere.",
            ),
            Msg::AdminOnly => (
                "Réservé aux administrateurs.",
                "Administrators only.",
            ),
            Msg::StaffOnly => (
                "Réservé aux administrateurs et aux coordinateurs de pays.",
                "Administrators and country coordinators only.",
            ),
            Msg::ProgrammeHasCohorts => (
                "Ce programme a encore des cohortes ; archivez-les plutôt.",
                "This programme still has cohorts; archive them instead.",
            ),
            Msg::NotAcceptingApplications => (
                "Cette cohorte n'accepte pas de candidatures en ce moment.",
                "This cohort is not accepting applications right now.",
            ),
            Msg::AlreadyMember => (
                "Cette personne est déjà inscrite à cette cohorte.",
                "This person is already enrolled in this cohort.",
            ),
            Msg::CohortFull => (
                "La cohorte est complète.",
                "The cohort is full.",
            ),
            Msg::CheckInClosed => (
                "Le pointage n'est pas ouvert pour cette séance.",
                "Check-in is not open for this session.",
            ),
            Msg::SessionCancelled => (
                "Cette séance est annulée.",
                "This session is cancelled.",
            ),
            Msg::NotALearner => (
                "Seuls les apprenants actifs de la cohorte peuvent pointer.",
                "Only active learners of the cohort can check in.",
            ),
            Msg::NotYourCountry => (
                "Vous ne coordonnez pas ce pays.",
                "You do not coordinate this country.",
            ),
            Msg::InvalidCalendarToken => (
                "Ce lien d'agenda est invalide ou révoqué ; créez-en un nouveau.",
                "This calendar link is invalid or revoked; create a new one.",
            ),
        }
    }

    /// A more precise machine word than the status's generic one, for
    /// errors a client reacts to differently.
    pub fn code(self) -> Option<&'static str> {
        match self {
            Msg::CheckInClosed => Some("check_in_closed"),
            Msg::SessionCancelled => Some("session_cancelled"),
            Msg::NotALearner => Some("not_a_learner"),
            Msg::AlreadySubmitted => Some("already_submitted"),
            Msg::AlreadyRevoked => Some("already_revoked"),
            Msg::AlreadyRegistered => Some("already_registered"),
            Msg::EventNotOpen => Some("event_not_open"),
            Msg::EventOver => Some("event_over"),
            Msg::TicketWaitlisted => Some("ticket_waitlisted"),
            Msg::TicketCancelled => Some("ticket_cancelled"),
            Msg::SyncTokenExpired => Some("sync_token_expired"),
            Msg::SessionNotStarted => Some("session_not_started"),
            Msg::InvitationUsed => Some("invitation_used"),
            Msg::InvitationExpired => Some("invitation_expired"),
            Msg::ImportRejected => Some("import_rejected"),
            Msg::NotAttended => Some("not_attended"),
            Msg::UploadBusy => Some("upload_busy"),
            Msg::IdempotencyKeyExpired => Some("idempotency_key_expired"),
            _ => None,
        }
    }

    pub fn text(self, lang: Lang) -> &'static str {
        let (fr, en) = self.texts();
        lang.pick(fr, en)
    }
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Issue {
    Required,
    Invalid,
    InvalidType,
    Email,
    Length {
        min: Option<u64>,
        max: Option<u64>,
    },
    Range {
        min: Option<f64>,
        max: Option<f64>,
    },
    OneOf(Vec<String>),
    UnknownCountry,
    UnknownTimezone,
    IncorrectPassword,
    Url,
    /// A change an administrator may not make to their own account.
    OwnAccount,
    /// An end (date or instant) that is not after the start.
    EndBeforeStart,
    /// A status change the lifecycle does not allow.
    Transition {
        from: String,
        to: String,
    },
    /// Capacity below the seats already taken.
    BelowTaken(i64),
    NotATrainer,
    UnknownUser,
    /// An `Idempotency-Key` already used for another request.
    KeyReused,
    /// A door scan outside the event's day (12 h either side) or in the future.
    OutsideEvent,
    /// A reference to something that does not exist.
    Unknown,
    /// A wrong check-in code, with the tries left in this window.
    WrongCode {
        remaining: i32,
    },
    NotALearner,
    Duplicate,
    /// An instant or date outside 1900–2200, or a leap second.
    Implausible,
    /// A span (a session) longer than this many days.
    LongerThan {
        days: i64,
    },
    /// A file that is not UTF-8 text.
    NotUtf8,
    /// A column the file's header line lacks.
    MissingColumn,
    /// A repeat rule with both or neither of `count` and `until`.
    CountOrUntil,
    /// More items (occurrences, rows) than one request may make.
    TooMany {
        max: usize,
    },
    /// The lead trainer already leads a session at that time (`at`: its
    /// local start, `title`: its title).
    TrainerBusy {
        at: String,
        title: String,
    },
    /// Text with a NUL or another control character (tab and line breaks
    /// aside), which no field takes.
    ControlCharacter,
    /// A file whose bytes are not of a type the kind of material takes
    /// (`found`: the type read from the bytes, if any).
    FileType {
        found: Option<String>,
        accepted: &'static str,
    },
}

impl Issue {
    pub fn message(&self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        match self {
            Issue::Required => lang
                .pick("Ce champ est obligatoire.", "This field is required.")
                .into(),
            Issue::Invalid => lang.pick("Valeur invalide.", "Invalid value.").into(),
            Issue::InvalidType => lang
                .pick("Type de valeur incorrect.", "Wrong type of value.")
                .into(),
            Issue::Email => lang
                .pick("Adresse e-mail invalide.", "Invalid email address.")
                .into(),
            Issue::Url => lang
                .pick("Adresse web (URL) invalide.", "Invalid web address (URL).")
                .into(),
            Issue::Length { min, max } => match (min, max, fr) {
                (Some(a), Some(b), true) => format!("Doit compter entre {a} et {b} caractères."),
                (Some(a), Some(b), false) => {
                    format!("Must be between {a} and {b} characters long.")
                }
                (Some(a), None, true) => format!("Doit compter au moins {a} caractères."),
                (Some(a), None, false) => format!("Must be at least {a} characters long."),
                (None, Some(b), true) => format!("Doit compter au plus {b} caractères."),
                (None, Some(b), false) => format!("Must be at most {b} characters long."),
                (None, None, _) => Issue::Invalid.message(lang),
            },
            Issue::Range { min, max } => match (min, max, fr) {
                (Some(a), Some(b), true) => format!("Doit être compris entre {a} et {b}."),
                (Some(a), Some(b), false) => format!("Must be between {a} and {b}."),
                (Some(a), None, true) => format!("Doit être au moins {a}."),
                (Some(a), None, false) => format!("Must be at least {a}."),
                (None, Some(b), true) => format!("Doit être au plus {b}."),
                (None, Some(b), false) => format!("Must be at most {b}."),
                (None, None, _) => Issue::Invalid.message(lang),
            },
            Issue::OneOf(words) => {
                let list = words.join(", ");
                if fr {
                    format!("Valeur inconnue ; valeurs permises : {list}.")
                } else {
                    format!("Unknown value; allowed values: {list}.")
                }
            }
            Issue::UnknownCountry => lang.pick("Pays inconnu.", "Unknown country.").into(),
            Issue::UnknownTimezone => lang
                .pick(
                    "Fuseau horaire IANA inconnu (ex. Africa/Abidjan).",
                    "Unknown IANA time zone (e.g. Africa/Abidjan).",
                )
                .into(),
            Issue::IncorrectPassword => lang
                .pick(
                    "Mot de passe actuel incorrect.",
                    "Current password is incorrect.",
                )
                .into(),
            Issue::KeyReused => lang
                .pick(
                    "Cette clé a déjà servi pour une autre requête : prenez-en une nouvelle.",
                    "This key was already used for another request: use a new one.",
                )
                .into(),
            Issue::OutsideEvent => lang
                .pick(
                    "Hors de la journée de l'événement (12 h avant le début à 12 h après la fin) ou dans le futur.",
                    "Outside the event's day (12 h before its start to 12 h after its end) or in the future.",
                )
                .into(),
            Issue::OwnAccount => lang
                .pick(
                    "Impossible sur votre propre compte : demandez à un autre administrateur.",
                    "Not allowed on your own account: ask another administrator.",
                )
                .into(),
            Issue::EndBeforeStart => lang
                .pick(
                    "La fin doit venir après le début.",
                    "The end must come after the start.",
                )
                .into(),
            Issue::Transition { from, to } => {
                if fr {
                    format!("Passage de « {from} » à « {to} » non permis.")
                } else {
                    format!("Moving from \"{from}\" to \"{to}\" is not allowed.")
                }
            }
            Issue::BelowTaken(n) => {
                if fr {
                    format!("Doit être au moins {n} : places déjà occupées.")
                } else {
                    format!("Must be at least {n}: seats already taken.")
                }
            }
            Issue::NotATrainer => lang
                .pick(
                    "Cette personne n'est pas formatrice de la cohorte.",
                    "This person is not a trainer of the cohort.",
                )
                .into(),
            Issue::UnknownUser => lang.pick("Utilisateur inconnu.", "Unknown user.").into(),
            Issue::Unknown => lang.pick("N'existe pas.", "Does not exist.").into(),
            Issue::WrongCode { remaining } => {
                if fr {
                    format!("Code incorrect ; encore {remaining} essai(s).")
                } else {
                    format!("Wrong code; {remaining} attempt(s) left.")
                }
            }
            Issue::NotALearner => lang
                .pick(
                    "N'est pas apprenant·e actif·ve de la cohorte.",
                    "Not an active learner of the cohort.",
                )
                .into(),
            Issue::Duplicate => lang.pick("En double.", "Duplicated.").into(),
            Issue::NotUtf8 => lang
                .pick(
                    "Le fichier n'est pas en UTF-8 : enregistrez-le au format « CSV UTF-8 ».",
                    "The file is not UTF-8: save it as \"CSV UTF-8\".",
                )
                .into(),
            Issue::MissingColumn => lang
                .pick(
                    "Colonne absente de la ligne d'en-tête.",
                    "Column missing from the header line.",
                )
                .into(),
            Issue::CountOrUntil => lang
                .pick(
                    "Indiquez soit « count », soit « until » (pas les deux).",
                    "Give either \"count\" or \"until\" (not both).",
                )
                .into(),
            Issue::TooMany { max } => {
                if fr {
                    format!("Au plus {max}.")
                } else {
                    format!("At most {max}.")
                }
            }
            Issue::TrainerBusy { at, title } => {
                if fr {
                    format!("Cette personne anime déjà « {title} » à ce moment ({at}).")
                } else {
                    format!("This person already leads \"{title}\" at that time ({at}).")
                }
            }
            Issue::Implausible => lang
                .pick(
                    "Doit tomber entre 1900 et 2200, sans seconde intercalaire.",
                    "Must fall between 1900 and 2200, without a leap second.",
                )
                .into(),
            Issue::LongerThan { days } => {
                if fr {
                    format!("Ne peut pas durer plus de {days} jours.")
                } else {
                    format!("Cannot last more than {days} days.")
                }
            }
            Issue::ControlCharacter => lang
                .pick(
                    "Contient un caractère de contrôle non permis.",
                    "Contains a control character that is not allowed.",
                )
                .into(),
            Issue::FileType { found, accepted } => match (found, fr) {
                (Some(t), true) => {
                    format!("Ce fichier est de type {t}, non accepté ici ; formats acceptés : {accepted}.")
                }
                (Some(t), false) => {
                    format!("This file is {t}, which is not accepted here; accepted formats: {accepted}.")
                }
                (None, true) => {
                    format!("Type de fichier non reconnu ; formats acceptés : {accepted}.")
                }
                (None, false) => format!("Unrecognised file type; accepted formats: {accepted}."),
            },
        }
    }
}
