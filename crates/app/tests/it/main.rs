//! Integration tests of the application layer: import into SQLite and PostgreSQL.

mod attack;
mod budget;
mod concurrent;
mod docs;
mod fixtures;
mod import;
mod methods;
mod microdata;
mod postgres;
mod release;
mod review;
mod strata;
