//! The disclosure crate's integration tests: the attack on protected releases, checked by a
//! formulation of the attacker's problem independent of the crate's audit; k-anonymous and
//! synthetic microdata, their combinations counted independently; differential privacy (noise
//! scale, consistency); controlled rounding.

mod attack;
mod dual;
mod microdata;
mod privacy;
mod rounding;
mod simulate;
