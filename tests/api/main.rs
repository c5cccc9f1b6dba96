//! One black-box test binary: every module drives the real server over HTTP.
// Helpers serve the modules of later issues too.
#![allow(dead_code)]

mod auth;
mod cli;
mod countries;
mod errors;
mod health;
mod helpers;
mod me;
mod openapi;
