//! Integration tests of the `mse` crate: parsing, agreement with SparseMSE 2.0.1
//! fixtures on the shared datasets, checks, intervals and strata.

mod bootstrap;
mod checks;
mod common;
mod dga;
mod lcmcr;
mod parse;
mod rcapture;
mod reference;
mod report;
mod selection;
