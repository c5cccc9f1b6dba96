//! Community events (Déconnexion, the country meetups every four months):
//! not tied to a cohort, run by admins or by the coordinators of the
//! event's country, open to members and to guests without an account.
//! Registration gives a seat while there are some, then a place on a
//! first-come waitlist; a cancellation seats the longest-waiting person in
//! the same transaction. Each registration carries an unguessable ticket
//! code that the staff and the country's volunteers check at the door,
//! online or replayed later from a phone that had no data.

pub mod dto;
pub mod queries;
pub mod routes;
pub mod rows;
pub mod service;
