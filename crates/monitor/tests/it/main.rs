//! Integration tests of the monitoring engine, run against the 2008 seed data
//! (`shared/data/seed-measures`, read in place) and the report text it was taken from.

mod fixture;
mod lists;
mod measures;
mod scoring;
mod submissions;
