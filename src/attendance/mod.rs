//! Attendance: one record per session and learner (the primary key says
//! so), set by the trainer's roll call, by self check-in with a rotating
//! code, or by import. Every change is written to an audit trail. A
//! trainer's mark always wins over a later self check-in.

pub mod checkin_dto;
pub mod checkin_queries;
pub mod checkin_routes;
pub mod checkin_service;
pub mod codes;
pub mod dto;
pub mod feedback_dto;
pub mod feedback_queries;
pub mod feedback_routes;
pub mod feedback_service;
pub mod queries;
pub mod report_dto;
pub mod report_queries;
pub mod report_routes;
pub mod report_service;
pub mod routes;
pub mod rows;
pub mod service;

pub use rows::{Attendance, AttendanceMethod, AttendanceStatus};
