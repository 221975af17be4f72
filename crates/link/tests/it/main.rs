//! Integration tests of the linkage engine: normalisation across scripts, linkage quality on
//! Splink's `fake_1000` test set, explanations, determinism and the one-per-source constraint.

mod linkage;
mod normalise;
