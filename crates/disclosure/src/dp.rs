//! Differential privacy for the counts of a release: the discrete Laplace mechanism of OpenDP
//! (`opendp::measurements::make_laplace` over vectors of integers with the L1 distance; its
//! privacy map, not this crate, certifies the ε spent), then post-processing to whole,
//! non-negative counts that satisfy the release's additive relations.
//!
//! * **Mechanism.** The counts released are one vector; the caller states its L1 sensitivity
//!   `Δ`: how many of these counts one person (or whatever unit is counted) can change, by one
//!   each (a person counts once in each table of a partition of the persons: `Δ` is the number
//!   of such tables). Noise of scale `Δ / ε` is added to every count by `make_laplace`, which
//!   samples the discrete Laplace distribution exactly (Canonne, Kamath & Steinke 2020) and
//!   whose privacy map gives the ε of the release.
//! * **Post-processing** (free under differential privacy: it reads only the noisy counts and the
//!   tables' structure): the whole, non-negative counts nearest to the noisy ones in total
//!   absolute difference that satisfy every relation between the released counts (a total is
//!   the sum of its parts; a part at most its whole), solved as a linear program
//!   ([`crate::fit`]). Under Laplace noise of equal scale this is the maximum-likelihood
//!   consistent table. Relations that mention a published count outside the DP release are
//!   dropped (they would tie a noisy count to one not released); latent cells are free.
//! * **Randomness.** OpenDP draws its noise from the operating system's entropy through a
//!   cryptographic generator (here `rand`'s `ThreadRng`, ChaCha seeded and reseeded from the OS:
//!   OpenDP's `use-openssl` feature, which would build OpenSSL from C sources, is off). A noisy
//!   release is therefore **not reproducible from a seed**, by design: a seeded draw could be
//!   replayed by anyone who learns the seed, and subtracted.

use opendp::domains::{AtomDomain, VectorDomain};
use opendp::measurements::make_laplace;
use opendp::measures::MaxDivergence;
use opendp::metrics::L1Distance;

use crate::fit::{Kept, Target, fit};
use crate::release::{CellId, Release};
use crate::{Error, Result};

/// The discrete Laplace mechanism for a vector of counts, certified by OpenDP's privacy map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Laplace {
    /// L1 sensitivity of the vector of counts.
    pub sensitivity: u64,
    /// The noise scale, `sensitivity / ε`.
    pub scale: f64,
    /// The ε spent: the one asked, which OpenDP's privacy map certifies for `sensitivity` (its
    /// answer, rounded up in floating point, is checked to be the ε asked within 1e-9).
    pub epsilon: f64,
}

impl Laplace {
    /// The mechanism that spends `epsilon` on a vector of counts of L1 sensitivity `sensitivity`.
    pub fn new(sensitivity: u64, epsilon: f64) -> Result<Self> {
        if sensitivity == 0 || i64::try_from(sensitivity).is_err() {
            return Err(Error::Parameter(format!("sensitivity {sensitivity}: must be 1 or more")));
        }
        if !(epsilon.is_finite() && epsilon > 0.0) {
            return Err(Error::Parameter(format!("ε = {epsilon}: must be a positive number")));
        }
        let scale = sensitivity as f64 / epsilon;
        let certified = measurement(scale)?.map(&(sensitivity as i64)).map_err(opendp_error)?;
        if certified > epsilon * (1.0 + 1e-9) {
            return Err(Error::Privacy(format!("the privacy map gives ε = {certified} for ε = {epsilon} asked")));
        }
        Ok(Laplace { sensitivity, scale, epsilon })
    }

    /// The ε OpenDP's privacy map gives this mechanism for its sensitivity (asked afresh).
    pub fn certified_epsilon(&self) -> Result<f64> {
        let sensitivity = i64::try_from(self.sensitivity)
            .map_err(|_| Error::Parameter(format!("sensitivity {} too large", self.sensitivity)))?;
        measurement(self.scale)?.map(&sensitivity).map_err(opendp_error)
    }

    /// Noisy counts: each count plus an independent draw of the discrete Laplace distribution of
    /// this scale (negative results possible: post-process them).
    pub fn sample(&self, counts: &[u64]) -> Result<Vec<i64>> {
        let input: Vec<i64> = counts
            .iter()
            .map(|&c| i64::try_from(c).map_err(|_| Error::Parameter(format!("count {c} too large"))))
            .collect::<Result<_>>()?;
        measurement(self.scale)?.invoke(&input).map_err(opendp_error)
    }

    /// `E|Z|` for one draw `Z` of the discrete Laplace distribution of this scale
    /// (`P(z) ∝ exp(−|z| / scale)`): `2q / (1 − q²)` with `q = exp(−1 / scale)`.
    pub fn expected_abs_error(&self) -> f64 {
        let q = (-1.0 / self.scale).exp();
        2.0 * q / (1.0 - q * q)
    }
}

/// OpenDP's measurement of a vector of counts.
type CountsMeasurement =
    opendp::core::Measurement<VectorDomain<AtomDomain<i64>>, L1Distance<i64>, MaxDivergence, Vec<i64>>;

fn measurement(scale: f64) -> Result<CountsMeasurement> {
    make_laplace(VectorDomain::new(AtomDomain::<i64>::default()), L1Distance::<i64>::default(), scale, None)
        .map_err(opendp_error)
}

fn opendp_error(e: opendp::error::Error) -> Error {
    Error::Privacy(format!("{:?}: {}", e.variant, e.message.unwrap_or_default()))
}

/// A differentially private release of some cells of a [`Release`].
#[derive(Debug, Clone)]
pub struct Noisy {
    pub mechanism: Laplace,
    /// By [`CellId::index`]: the published value of each released cell (`None` for the others).
    pub values: Vec<Option<u64>>,
    /// Mean absolute difference between the noisy counts and the true ones, before
    /// post-processing. (From the true values: for the tests and the utility figures, never
    /// published.)
    pub raw_mean_abs_error: f64,
}

impl Noisy {
    pub fn value(&self, id: CellId) -> Option<u64> {
        self.values.get(id.index()).copied().flatten()
    }
}

impl Release {
    /// The differentially private release of `cells` (published cells of this release) with
    /// `mechanism`: noisy counts, post-processed to whole non-negative counts that keep the
    /// relations between them.
    pub fn noisy(&self, cells: &[CellId], mechanism: &Laplace) -> Result<Noisy> {
        let mut cells: Vec<CellId> = cells.to_vec();
        cells.sort();
        cells.dedup();
        if let Some(bad) = cells.iter().find(|id| id.0 >= self.len() || !self.published[id.0]) {
            return Err(Error::UnknownCell(bad.0));
        }
        let truth: Vec<u64> = cells.iter().map(|id| self.values[id.0]).collect();
        let noisy = mechanism.sample(&truth)?;
        let raw_mean_abs_error = if truth.is_empty() {
            0.0
        } else {
            truth.iter().zip(&noisy).map(|(&t, &y)| (y - t as i64).unsigned_abs() as f64).sum::<f64>()
                / truth.len() as f64
        };
        let mut targets: Vec<Option<Target>> =
            (0..self.len()).map(|i| (!self.published[i]).then_some(Target::Free)).collect();
        for (id, y) in cells.iter().zip(&noisy) {
            targets[id.0] = Some(Target::Near(*y));
        }
        let values = fit(self, &targets, Kept::All, "post-processing the noisy counts")?;
        Ok(Noisy { mechanism: *mechanism, values, raw_mean_abs_error })
    }
}
