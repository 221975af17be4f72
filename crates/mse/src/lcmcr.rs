//! Bayesian non-parametric latent-class capture–recapture (Manrique-Vallier
//! 2016, "Bayesian population size estimation using Dirichlet process mixtures",
//! *Biometrics* 72(4)), the model of the R package LCMCR 0.4.14 that HRDAG uses
//! (Kosovo, Peru, Colombia, Syria).
//!
//! **What it assumes.** Every person, seen or not, belongs to one of at most `K`
//! latent classes; within a class the lists catch people independently, each
//! list with its own class-specific probability `lambda_jk`. Classes capture
//! heterogeneity of catchability (some victims are easier for every agency to
//! find) and, through it, dependence between lists. The class weights have a
//! truncated stick-breaking (Dirichlet-process) prior with concentration
//! `alpha ~ Gamma(a_alpha, b_alpha)`, so the data decide how many classes are
//! used; `lambda_jk ~ Beta(1, 1)`; the population size has the improper prior
//! `p(N) ∝ 1/N`. The population must be closed, and the classes must explain the
//! dependence between lists: a direct effect of one list on another (a referral)
//! within a class is not in the model.
//!
//! **The sampler.** Gibbs sampling with data augmentation of the unobserved
//! cell, as the package does it: class counts of every observed capture pattern
//! (multinomial), `lambda` (beta), stick-breaking weights (beta), the number of
//! unseen people `n0 ~ NegBin(n, 1 - P(unseen))`, their classes (multinomial) and
//! `alpha` (gamma). Like the package, the chain starts with `lambda` at the lists'
//! observed shares and stick-breaking weights drawn from the prior, runs 500
//! warm-up iterations with `alpha = 0.3 / K` held fixed, relabels the classes by
//! decreasing weight, and then runs `burnin` iterations and `samples * thinning`
//! more, keeping every `thinning`-th value of `N = n + n0`. Palermo's code is its
//! own, written from the paper and from reading how the package's sampler
//! proceeds; its random streams differ from GSL's, so results agree with the
//! package in distribution, within Monte Carlo error (`tests/it/lcmcr.rs`,
//! `bench/mse/README.md`). One difference: after 64 redraws in a row above the
//! cap, `n0` is drawn from the same truncated distribution by inversion, where
//! the package would loop on.
//!
//! **The cap on N.** The package redraws `n0` whenever it exceeds `20 n`, which
//! truncates the posterior at `N = 21 n` without saying so. Palermo applies the
//! same cap by default ([`LcmcrOptions::max_unseen_ratio`] = 20) so that it agrees
//! with the package, and reports it: the cap, how many draws were redrawn, and the
//! share of kept draws in the top tenth below it. `None` removes the cap.
//!
//! **Beyond the package.** Several chains (default 4) run in parallel (rayon),
//! each from its own ChaCha8 stream of the seed, so the output is the same for
//! a seed whatever the number of threads. The report gives the pooled posterior
//! of `N`, each chain's summary, the effective sample size and split R-hat
//! (Gelman et al., *Bayesian Data Analysis*, 3rd ed., §11.4–11.5, on `log N`), the
//! modes of the pooled posterior, and a plain-words diagnosis when the chains
//! disagree or the posterior has several modes (on the Netherlands data one
//! chain of the recommended length stays near 50,000 or near 150,000 depending
//! on its seed).

#![allow(clippy::needless_range_loop)] // index loops over small matrices read more plainly here

use std::fmt::Write as _;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, Gamma, Poisson};
use rayon::prelude::*;
use serde::Serialize;

use crate::Progress;
use crate::error::{Error, Result};
use crate::table::CaptureTable;

/// Options of [`estimate_lcmcr`], with the package's documented settings as
/// defaults.
///
/// LCMCR's manual runs `lcmCR(…, K = 10, a_alpha = 0.25, b_alpha = 0.25)` and
/// `lcmCR_PostSampl(sampler, burnin = 10000, samples = 1000, thinning = 100)`;
/// those are the defaults here. (The bare R function defaults are `K = 5` and
/// `thinning = 10`; set them to reproduce a call that relies on them.)
#[derive(Debug, Clone, PartialEq)]
pub struct LcmcrOptions {
    /// Truncation level: the largest number of latent classes. Default 10.
    pub k: usize,
    /// Shape of the gamma prior of the concentration `alpha`. Default 0.25.
    pub a_alpha: f64,
    /// Rate of the gamma prior of `alpha`. Default 0.25.
    pub b_alpha: f64,
    /// Iterations discarded after the warm-up. Default 10,000.
    pub burnin: usize,
    /// Draws of `N` kept per chain. Default 1,000.
    pub samples: usize,
    /// Iterations per kept draw. Default 100.
    pub thinning: usize,
    /// Warm-up iterations with `alpha` fixed before the burn-in (the package's
    /// fixed 500).
    pub warmup: usize,
    /// Independent chains, run in parallel. Default 4.
    pub chains: usize,
    /// Seed; chain `c` uses ChaCha8 stream `c` of it. Default 1234.
    pub seed: u64,
    /// Redraw `n0` while it exceeds this multiple of the observed count `n`
    /// (the package's hidden rule: 20, so `N <= 21 n`). `None`: no cap.
    pub max_unseen_ratio: Option<f64>,
    /// Level of the credible interval. Default 0.95.
    pub level: f64,
}

impl Default for LcmcrOptions {
    fn default() -> Self {
        Self {
            k: 10,
            a_alpha: 0.25,
            b_alpha: 0.25,
            burnin: 10_000,
            samples: 1_000,
            thinning: 100,
            warmup: 500,
            chains: 4,
            seed: 1234,
            max_unseen_ratio: Some(20.0),
            level: 0.95,
        }
    }
}

/// The posterior of `N` from one chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainSummary {
    /// Posterior median of `N`.
    pub median: f64,
    /// Posterior mean of `N`.
    pub mean: f64,
    /// Equal-tailed credible interval.
    pub interval: [f64; 2],
    /// Effective sample size of this chain alone (on `log N`).
    pub ess: f64,
    /// Draws of `n0` redrawn because they exceeded the cap.
    pub redrawn: u64,
}

/// A mode of the pooled posterior of `N`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mode {
    /// Where the density of `log N` peaks, as `N`.
    pub at: f64,
    /// Share of the pooled draws closer to this mode than to the others (split
    /// at the lowest density between them).
    pub share: f64,
}

/// Convergence and the cap, in numbers and in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LcmcrDiagnostics {
    /// Split R-hat of `log N` over all chains (Gelman et al. 2013); near 1 when the
    /// chains agree. `null` with one chain of fewer than 4 draws.
    pub rhat: Option<f64>,
    /// Multi-chain effective sample size of `log N` (Geyer's initial monotone sequence).
    pub ess: f64,
    /// Largest `N` a draw may take (`n + cap * n`), `null` without a cap.
    pub max_n: Option<u64>,
    /// Draws of `n0` redrawn because they exceeded the cap, all chains.
    pub redrawn: u64,
    /// Share of kept draws within the top tenth below the cap (0 without a cap).
    pub share_near_cap: f64,
    /// Modes of the pooled posterior (one for a unimodal posterior).
    pub modes: Vec<Mode>,
    /// Whether the chains disagree (split R-hat above 1.05).
    pub chains_disagree: bool,
    /// Whether the pooled posterior has more than one mode.
    pub multimodal: bool,
    /// Plain-words warnings; empty when nothing is amiss.
    pub warnings: Vec<String>,
}

/// The posterior of the population size under LCMCR's model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LcmcrReport {
    /// List names.
    pub lists: Vec<String>,
    /// Observed cases `n`.
    pub observed: u64,
    /// `lcmcr`.
    pub method: &'static str,
    /// Settings: `K`, priors, lengths, chains, seed.
    pub settings: LcmcrSettings,
    /// Posterior median of `N`, all chains pooled.
    pub median: f64,
    /// Posterior mean of `N`, pooled.
    pub mean: f64,
    /// Equal-tailed credible interval at `settings.level`, pooled.
    pub interval: [f64; 2],
    /// Each chain's summary.
    pub chains: Vec<ChainSummary>,
    /// Convergence, modes and the cap.
    pub diagnostics: LcmcrDiagnostics,
    /// The kept draws of `N`, one vector per chain.
    pub samples: Vec<Vec<u64>>,
}

impl LcmcrReport {
    /// The report for people: pooled posterior, each chain, diagnostics and warnings.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let st = &self.settings;
        let d = &self.diagnostics;
        let pct = st.level * 100.0;
        let _ = writeln!(s, "Latent-class MSE, LCMCR model ({} lists: {})", self.lists.len(), self.lists.join(", "));
        let _ = writeln!(s, "  observed cases     {}", self.observed);
        let _ = writeln!(
            s,
            "  settings           K {}, a_alpha {}, b_alpha {}, burn-in {}, {} draws x thinning {}, {} chains, seed {}",
            st.k, st.a_alpha, st.b_alpha, st.burnin, st.samples, st.thinning, st.chains, st.seed
        );
        let cap = match d.max_n {
            Some(max) => format!(
                "N <= {max} (n0 <= {} n, as LCMCR); {} draws redrawn",
                st.max_unseen_ratio.unwrap_or(f64::NAN),
                d.redrawn
            ),
            None => "none".to_owned(),
        };
        let _ = writeln!(s, "  cap on N           {cap}");
        let _ = writeln!(s);
        let _ = writeln!(s, "  {:<24} {:>12} {:>12} {:>12} {:>12}", "", "median", "mean", "lower", "upper");
        let _ = writeln!(
            s,
            "  {:<24} {:>12.0} {:>12.0} {:>12.0} {:>12.0}",
            format!("all chains ({pct}%)"),
            self.median,
            self.mean,
            self.interval[0],
            self.interval[1]
        );
        for (i, c) in self.chains.iter().enumerate() {
            let _ = writeln!(
                s,
                "  {:<24} {:>12.0} {:>12.0} {:>12.0} {:>12.0}",
                format!("chain {}", i + 1),
                c.median,
                c.mean,
                c.interval[0],
                c.interval[1]
            );
        }
        let _ = writeln!(s);
        let rhat = d.rhat.map_or("-".to_owned(), |r| format!("{r:.3}"));
        let modes: Vec<String> = d.modes.iter().map(|m| format!("{:.0} ({:.0}%)", m.at, 100.0 * m.share)).collect();
        let _ = writeln!(s, "  split R-hat {rhat}, effective sample size {:.0}, modes: {}", d.ess, modes.join(", "));
        for w in &d.warnings {
            let _ = writeln!(s, "  warning: {w}");
        }
        s
    }
}

/// The options a report was made with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LcmcrSettings {
    /// Truncation level.
    pub k: usize,
    /// Prior shape of `alpha`.
    pub a_alpha: f64,
    /// Prior rate of `alpha`.
    pub b_alpha: f64,
    /// Warm-up iterations.
    pub warmup: usize,
    /// Burn-in iterations.
    pub burnin: usize,
    /// Kept draws per chain.
    pub samples: usize,
    /// Thinning.
    pub thinning: usize,
    /// Chains.
    pub chains: usize,
    /// Seed.
    pub seed: u64,
    /// Cap on `n0 / n`, if any.
    pub max_unseen_ratio: Option<f64>,
    /// Credible level.
    pub level: f64,
}

/// Runs LCMCR's Gibbs sampler on `table` and summarises the posterior of `N`.
///
/// Chains run in parallel; `progress` counts kept draws (`chains * samples` in
/// all) and may cancel between blocks of iterations.
pub fn estimate_lcmcr(table: &CaptureTable, options: &LcmcrOptions, progress: &dyn Progress) -> Result<LcmcrReport> {
    check_options(options)?;
    let data = Data::new(table);
    progress.start("lcmcr draws", (options.chains * options.samples) as u64);
    let runs: Vec<ChainRun> = (0..options.chains)
        .into_par_iter()
        .map(|c| {
            let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
            rng.set_stream(c as u64);
            Sampler::new(&data, options, rng).run(options, progress)
        })
        .collect::<Result<_>>()?;
    Ok(summarise(table, options, &data, runs))
}

fn check_options(o: &LcmcrOptions) -> Result<()> {
    let bad = |what: String| Err(Error::BadOption { what });
    if o.k < 2 {
        return bad(format!("K must be at least 2, got {}", o.k));
    }
    if !(o.a_alpha > 0.0 && o.b_alpha > 0.0 && o.a_alpha.is_finite() && o.b_alpha.is_finite()) {
        return bad(format!("a_alpha and b_alpha must be positive, got {} and {}", o.a_alpha, o.b_alpha));
    }
    if o.samples == 0 || o.thinning == 0 || o.chains == 0 {
        return bad("samples, thinning and chains must be at least 1".into());
    }
    if !(o.level > 0.0 && o.level < 1.0) {
        return bad(format!("level must be in (0, 1), got {}", o.level));
    }
    if let Some(r) = o.max_unseen_ratio
        && r.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
    {
        return bad(format!("max_unseen_ratio must be positive, got {r}"));
    }
    Ok(())
}

/// The observed capture patterns and their counts.
struct Data {
    j: usize,
    patterns: Vec<u32>,
    freq: Vec<u64>,
    n: u64,
}

impl Data {
    fn new(table: &CaptureTable) -> Self {
        let rows: Vec<_> = table.rows().iter().filter(|r| r.count > 0).collect();
        Self {
            j: table.n_lists(),
            patterns: rows.iter().map(|r| r.history).collect(),
            freq: rows.iter().map(|r| r.count).collect(),
            n: table.n_observed(),
        }
    }
}

struct ChainRun {
    draws: Vec<u64>,
    redrawn: u64,
}

/// The state of one chain.
struct Sampler<'a> {
    data: &'a Data,
    k: usize,
    a_alpha: f64,
    b_alpha: f64,
    max_unseen: Option<u64>,
    /// `P(on list j | class k)` and its complement, index `j * K + k`.
    on: Vec<f64>,
    off: Vec<f64>,
    log_nu: Vec<f64>,
    alpha: f64,
    n0: u64,
    /// Class counts of each observed pattern, index `m * K + k`.
    z: Vec<u64>,
    /// Class counts of the unseen.
    z0: Vec<u64>,
    /// Scratch: per-class weights.
    weights: Vec<f64>,
    redrawn: u64,
    rng: ChaCha8Rng,
}

impl<'a> Sampler<'a> {
    fn new(data: &'a Data, o: &LcmcrOptions, mut rng: ChaCha8Rng) -> Self {
        let (k, j) = (o.k, data.j);
        let mut on = vec![0.0; j * k];
        let mut off = vec![0.0; j * k];
        for list in 0..j {
            let seen: u64 =
                data.patterns.iter().zip(&data.freq).filter(|(p, _)| *p >> list & 1 == 1).map(|(_, f)| f).sum();
            // The list's observed share; kept off 0 and 1 so that every pattern
            // has a positive probability to start from.
            let share = (seen as f64 / data.n as f64).clamp(1e-9, 1.0 - 1e-9);
            for class in 0..k {
                on[list * k + class] = share;
                off[list * k + class] = 1.0 - share;
            }
        }
        // Stick-breaking weights from the prior with alpha = 1 (Beta(1, 1) breaks).
        let mut log_nu = vec![0.0; k];
        let mut rest = 0.0;
        for w in log_nu.iter_mut().take(k - 1) {
            let (a, b) = (log_gamma_draw(&mut rng, 1.0), log_gamma_draw(&mut rng, 1.0));
            let s = log_sum(a, b);
            *w = a - s + rest;
            rest += b - s;
        }
        log_nu[k - 1] = rest;
        let max_unseen = o.max_unseen_ratio.map(|r| (r * data.n as f64).floor() as u64);
        Self {
            data,
            k,
            a_alpha: o.a_alpha,
            b_alpha: o.b_alpha,
            max_unseen,
            on,
            off,
            log_nu,
            alpha: 0.3 / k as f64,
            n0: 0,
            z: vec![0; data.patterns.len() * k],
            z0: vec![0; k],
            weights: vec![0.0; k],
            redrawn: 0,
            rng,
        }
    }

    fn run(mut self, o: &LcmcrOptions, progress: &dyn Progress) -> Result<ChainRun> {
        for _ in 0..o.warmup {
            self.step(false);
        }
        self.relabel_by_weight();
        const BLOCK: usize = 1000;
        for i in 0..o.burnin {
            if i % BLOCK == 0 && progress.is_cancelled() {
                return Err(Error::Cancelled);
            }
            self.step(true);
        }
        let mut draws = Vec::with_capacity(o.samples);
        for _ in 0..o.samples {
            if progress.is_cancelled() {
                return Err(Error::Cancelled);
            }
            for _ in 0..o.thinning {
                self.step(true);
            }
            draws.push(self.data.n + self.n0);
            progress.inc(1);
        }
        Ok(ChainRun { draws, redrawn: self.redrawn })
    }

    /// One Gibbs sweep in the package's order; `alpha` is updated only after the warm-up.
    fn step(&mut self, update_alpha: bool) {
        self.sample_classes_of_observed();
        self.sample_lambda();
        self.sample_weights();
        let p_unseen = self.sample_n0();
        self.sample_classes_of_unseen(p_unseen);
        if update_alpha {
            self.sample_alpha();
        }
    }

    fn sample_classes_of_observed(&mut self) {
        let (k, j) = (self.k, self.data.j);
        // Per class: its weight times P(on no list), and the odds of being on each
        // list; a pattern's weight is the first times the odds of its lists.
        // Classes go heaviest first, so the multinomials below settle their
        // counts in few binomial draws.
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| self.log_nu[b].total_cmp(&self.log_nu[a]));
        let mut base = vec![0.0; k];
        let mut odds = vec![0.0; j * k];
        for (slot, &class) in order.iter().enumerate() {
            let mut b = self.log_nu[class].exp();
            for list in 0..j {
                b *= self.off[list * k + class];
                odds[list * k + slot] = self.on[list * k + class] / self.off[list * k + class];
            }
            base[slot] = b;
        }
        let mut counts = vec![0u64; k];
        for (m, (&pattern, &f)) in self.data.patterns.iter().zip(&self.data.freq).enumerate() {
            self.weights.copy_from_slice(&base);
            let mut rest = pattern;
            while rest != 0 {
                let list = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                for (w, o) in self.weights.iter_mut().zip(&odds[list * k..(list + 1) * k]) {
                    *w *= o;
                }
            }
            let mut total: f64 = self.weights.iter().sum();
            if !(total.is_normal() && total.is_finite()) {
                // Products underflowed or overflowed: redo in logs, scaled by the largest.
                let logs: Vec<f64> = order
                    .iter()
                    .map(|&class| {
                        self.log_nu[class]
                            + (0..j)
                                .map(|list| {
                                    if pattern >> list & 1 == 1 {
                                        self.on[list * k + class].ln()
                                    } else {
                                        self.off[list * k + class].ln()
                                    }
                                })
                                .sum::<f64>()
                    })
                    .collect();
                let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                for (w, l) in self.weights.iter_mut().zip(&logs) {
                    *w = (l - top).exp();
                }
                total = self.weights.iter().sum();
            }
            multinomial(&mut self.rng, f, &self.weights, total, &mut counts);
            for (slot, &class) in order.iter().enumerate() {
                self.z[m * k + class] = counts[slot];
            }
        }
    }

    fn sample_lambda(&mut self) {
        let (k, j) = (self.k, self.data.j);
        let mut class_total = self.z0.clone();
        for m in 0..self.data.patterns.len() {
            for class in 0..k {
                class_total[class] += self.z[m * k + class];
            }
        }
        // ones[list][class]: people of the class on the list.
        let mut ones = vec![0u64; j * k];
        for (m, &pattern) in self.data.patterns.iter().enumerate() {
            let row = &self.z[m * k..(m + 1) * k];
            let mut rest = pattern;
            while rest != 0 {
                let list = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                for (acc, &c) in ones[list * k..(list + 1) * k].iter_mut().zip(row) {
                    *acc += c;
                }
            }
        }
        for list in 0..j {
            for class in 0..k {
                let on_list = ones[list * k + class];
                let off_list = class_total[class] - on_list;
                let (on, off) = beta_pair(&mut self.rng, 1.0 + on_list as f64, 1.0 + off_list as f64);
                self.on[list * k + class] = on;
                self.off[list * k + class] = off;
            }
        }
    }

    fn sample_weights(&mut self) {
        let k = self.k;
        let mut counts = self.z0.clone();
        for m in 0..self.data.patterns.len() {
            for class in 0..k {
                counts[class] += self.z[m * k + class];
            }
        }
        let mut remaining: u64 = self.data.n + self.n0;
        let mut rest = 0.0;
        for class in 0..k - 1 {
            remaining -= counts[class].min(remaining);
            let a = log_gamma_draw(&mut self.rng, 1.0 + counts[class] as f64);
            let b = log_gamma_draw(&mut self.rng, self.alpha + remaining as f64);
            let s = log_sum(a, b);
            self.log_nu[class] = a - s + rest;
            rest += b - s;
        }
        self.log_nu[k - 1] = rest;
    }

    /// Draws `n0` and returns the per-class weights of the unseen pattern in
    /// `self.weights` (and their sum, `P(unseen)`).
    fn sample_n0(&mut self) -> f64 {
        let (k, j) = (self.k, self.data.j);
        let mut p_unseen = 0.0;
        for class in 0..k {
            let mut w = self.log_nu[class].exp();
            for list in 0..j {
                w *= self.off[list * k + class];
            }
            self.weights[class] = w;
            p_unseen += w;
        }
        let p_unseen = p_unseen.min(1.0);
        // n0 | rest ~ NegBin(n, 1 - p_unseen): failures before the n-th success,
        // drawn as Poisson(Gamma(n, p / (1 - p))).
        // Above the cap the package redraws; so do we, but after many redraws in a
        // row (the cap far below the bulk) we draw from the same truncated
        // distribution by inversion rather than loop for ever.
        let mut tries = 0;
        self.n0 = loop {
            let n0 = negative_binomial(&mut self.rng, self.data.n as f64, p_unseen);
            match self.max_unseen {
                Some(cap) if n0 > cap => {
                    self.redrawn += 1;
                    tries += 1;
                    if tries == 64 {
                        break truncated_negative_binomial(&mut self.rng, self.data.n as f64, p_unseen, cap);
                    }
                }
                _ => break n0,
            }
        };
        p_unseen
    }

    fn sample_classes_of_unseen(&mut self, p_unseen: f64) {
        if self.n0 == 0 {
            self.z0.fill(0);
            return;
        }
        let total: f64 = if p_unseen.is_normal() { self.weights.iter().sum() } else { 0.0 };
        if !total.is_normal() {
            // Every class's weight underflowed: recompute in logs.
            let (k, j) = (self.k, self.data.j);
            let logs: Vec<f64> =
                (0..k).map(|c| self.log_nu[c] + (0..j).map(|l| self.off[l * k + c].ln()).sum::<f64>()).collect();
            let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for c in 0..k {
                self.weights[c] = (logs[c] - top).exp();
            }
        }
        let total: f64 = self.weights.iter().sum();
        let mut z0 = std::mem::take(&mut self.z0);
        multinomial(&mut self.rng, self.n0, &self.weights, total, &mut z0);
        self.z0 = z0;
    }

    fn sample_alpha(&mut self) {
        let shape = self.a_alpha + self.k as f64 - 1.0;
        let rate = self.b_alpha - self.log_nu[self.k - 1];
        self.alpha = gamma_draw(&mut self.rng, shape) / rate;
    }

    /// Orders the classes by decreasing weight, as the package does once after the warm-up.
    fn relabel_by_weight(&mut self) {
        let (k, j) = (self.k, self.data.j);
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| self.log_nu[b].total_cmp(&self.log_nu[a]));
        let permute = |v: &[f64]| -> Vec<f64> { order.iter().map(|&c| v[c]).collect() };
        self.log_nu = permute(&self.log_nu);
        for list in 0..j {
            let on = permute(&self.on[list * k..(list + 1) * k]);
            let off = permute(&self.off[list * k..(list + 1) * k]);
            self.on[list * k..(list + 1) * k].copy_from_slice(&on);
            self.off[list * k..(list + 1) * k].copy_from_slice(&off);
        }
        for m in 0..self.data.patterns.len() {
            let row: Vec<u64> = order.iter().map(|&c| self.z[m * k + c]).collect();
            self.z[m * k..(m + 1) * k].copy_from_slice(&row);
        }
        self.z0 = order.iter().map(|&c| self.z0[c]).collect();
    }
}

fn log_sum(a: f64, b: f64) -> f64 {
    let top = a.max(b);
    top + ((a - top).exp() + (b - top).exp()).ln()
}

/// A Gamma(`shape`, 1) draw, `shape > 0`; Marsaglia and Tsang (2000), with the
/// `U^(1/shape)` boost below 1.
fn gamma_draw(rng: &mut ChaCha8Rng, shape: f64) -> f64 {
    if shape == 1.0 {
        return -open01(rng).ln();
    }
    match Gamma::new(shape, 1.0) {
        Ok(g) => g.sample(rng),
        Err(_) => f64::NAN,
    }
}

/// `log` of a Gamma(`shape`, 1) draw, exact in logs for small shapes (where the
/// draw itself may underflow): `log G(a) = log G(a + 1) + log(U) / a`.
fn log_gamma_draw(rng: &mut ChaCha8Rng, shape: f64) -> f64 {
    if shape < 0.5 { open01(rng).ln() / shape + gamma_draw(rng, shape + 1.0).ln() } else { gamma_draw(rng, shape).ln() }
}

/// `(x, 1 - x)` for `x ~ Beta(a, b)`, `a, b >= 1`, from two gamma draws so that
/// neither side loses precision.
fn beta_pair(rng: &mut ChaCha8Rng, a: f64, b: f64) -> (f64, f64) {
    if a == 1.0 && b == 1.0 {
        let u = open01(rng);
        return (u, 1.0 - u);
    }
    let x = gamma_draw(rng, a);
    let y = gamma_draw(rng, b);
    let s = x + y;
    (x / s, y / s)
}

/// A uniform draw in (0, 1).
fn open01(rng: &mut ChaCha8Rng) -> f64 {
    loop {
        let u: f64 = rng.random();
        if u > 0.0 {
            return u;
        }
    }
}

/// Failures before the `n`-th success with success probability `1 - p_fail`.
fn negative_binomial(rng: &mut ChaCha8Rng, n: f64, p_fail: f64) -> u64 {
    if p_fail <= 0.0 {
        return 0;
    }
    let rate = gamma_draw(rng, n) * p_fail / (1.0 - p_fail);
    if rate.is_nan() || rate <= 0.0 {
        return 0;
    }
    if !rate.is_finite() || rate > 1e15 {
        return u64::MAX;
    }
    match Poisson::new(rate) {
        Ok(pois) => pois.sample(rng) as u64,
        Err(_) => u64::MAX,
    }
}

/// [`negative_binomial`] conditioned on at most `cap` failures, by inversion of
/// its distribution function (computed in logs from the mode outwards).
fn truncated_negative_binomial(rng: &mut ChaCha8Rng, n: f64, p_fail: f64, cap: u64) -> u64 {
    if p_fail.is_nan() || p_fail <= 0.0 {
        return 0;
    }
    let log_p = p_fail.ln();
    // log pmf up to a constant: lgamma(n + k) - lgamma(k + 1) + k log p.
    let log_pmf = |k: u64| {
        statrs::function::gamma::ln_gamma(n + k as f64) - statrs::function::gamma::ln_gamma(k as f64 + 1.0)
            + k as f64 * log_p
    };
    let logs: Vec<f64> = (0..=cap).map(log_pmf).collect();
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = logs.iter().map(|l| (l - top).exp()).collect();
    let total: f64 = weights.iter().sum();
    let u = rng.random::<f64>() * total;
    let mut acc = 0.0;
    for (k, w) in weights.iter().enumerate() {
        acc += w;
        if u < acc {
            return k as u64;
        }
    }
    cap
}

/// Below this many draws a multinomial is drawn one categorical draw at a time
/// (a uniform and a short scan), cheaper than a binomial per class.
const CATEGORICAL_BELOW: u64 = 12;

/// Counts of `n` draws over categories with weights `w` (sum `total`) into `out`:
/// conditional binomials class by class (Davis 1993) until few draws are left,
/// then single categorical draws among the remaining classes.
fn multinomial(rng: &mut ChaCha8Rng, n: u64, w: &[f64], total: f64, out: &mut [u64]) {
    out.fill(0);
    let last = w.len() - 1;
    let mut left = n;
    let mut rest = total;
    for c in 0..w.len() {
        if left == 0 {
            return;
        }
        if left < CATEGORICAL_BELOW {
            categorical_counts(rng, left, &w[c..], &mut out[c..]);
            return;
        }
        let wc = w[c];
        if c == last || wc >= rest {
            out[c] += left;
            return;
        }
        if wc <= 0.0 {
            continue;
        }
        let draw = match Binomial::new(left, (wc / rest).clamp(0.0, 1.0)) {
            Ok(b) => b.sample(rng),
            Err(_) => 0,
        };
        out[c] = draw;
        left -= draw;
        rest -= wc;
    }
}

/// Adds `n` categorical draws over weights `w` to `out`.
fn categorical_counts(rng: &mut ChaCha8Rng, n: u64, w: &[f64], out: &mut [u64]) {
    let total: f64 = w.iter().sum();
    let fallback = w.iter().rposition(|&x| x > 0.0).unwrap_or(w.len() - 1);
    for _ in 0..n {
        let u = rng.random::<f64>() * total;
        let mut acc = 0.0;
        let mut pick = fallback;
        for (c, &wc) in w.iter().enumerate() {
            acc += wc;
            if u < acc {
                pick = c;
                break;
            }
        }
        out[pick] += 1;
    }
}

fn summarise(table: &CaptureTable, o: &LcmcrOptions, data: &Data, runs: Vec<ChainRun>) -> LcmcrReport {
    let tail = (1.0 - o.level) / 2.0;
    let logs: Vec<Vec<f64>> = runs.iter().map(|r| r.draws.iter().map(|&d| (d as f64).ln()).collect()).collect();
    let chains: Vec<ChainSummary> = runs
        .iter()
        .zip(&logs)
        .map(|(r, l)| {
            let mut sorted: Vec<f64> = r.draws.iter().map(|&d| d as f64).collect();
            sorted.sort_by(f64::total_cmp);
            ChainSummary {
                median: quantile7(&sorted, 0.5),
                mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
                interval: [quantile7(&sorted, tail), quantile7(&sorted, 1.0 - tail)],
                ess: crate::mcmc::effective_sample_size(std::slice::from_ref(l)),
                redrawn: r.redrawn,
            }
        })
        .collect();
    let mut pooled: Vec<f64> = runs.iter().flat_map(|r| r.draws.iter().map(|&d| d as f64)).collect();
    pooled.sort_by(f64::total_cmp);
    let median = quantile7(&pooled, 0.5);
    let mean = pooled.iter().sum::<f64>() / pooled.len() as f64;
    let interval = [quantile7(&pooled, tail), quantile7(&pooled, 1.0 - tail)];
    let rhat = crate::mcmc::split_rhat(&logs);
    let ess = crate::mcmc::effective_sample_size(&logs);
    let max_n = o.max_unseen_ratio.map(|r| data.n + (r * data.n as f64).floor() as u64);
    let redrawn = runs.iter().map(|r| r.redrawn).sum();
    let share_near_cap = match max_n {
        Some(cap) => {
            let floor = data.n as f64 + 0.9 * (cap - data.n) as f64;
            pooled.iter().filter(|&&v| v >= floor).count() as f64 / pooled.len() as f64
        }
        None => 0.0,
    };
    let log_pooled: Vec<f64> = pooled.iter().map(|v| v.ln()).collect();
    let modes =
        crate::mcmc::modes(&log_pooled).into_iter().map(|(at, share)| Mode { at: at.exp(), share }).collect::<Vec<_>>();
    let chains_disagree = rhat.is_some_and(|r| r > 1.05);
    let multimodal = modes.len() > 1;
    let mut warnings = Vec::new();
    if chains_disagree {
        let medians: Vec<String> = chains.iter().map(|c| format!("{:.0}", c.median)).collect();
        warnings.push(format!(
            "the {} chains disagree (split R-hat {:.2} > 1.05; chain medians {}): a chain of this length does not \
             explore the whole posterior, so the pooled figures depend on the seed; run longer chains or more of them",
            chains.len(),
            rhat.unwrap_or(f64::NAN),
            medians.join(", ")
        ));
    }
    if multimodal {
        let list: Vec<String> =
            modes.iter().map(|m| format!("near {:.0} ({:.0}% of draws)", m.at, 100.0 * m.share)).collect();
        warnings.push(format!(
            "the posterior of N has {} modes, {}: the data support very different totals; the median lies between \
             them and the interval spans them; {}",
            modes.len(),
            list.join(", "),
            if chains_disagree {
                "as the chains do not move between the modes, the shares reflect the chains more than the data"
            } else {
                "the chains move between the modes, so the shares are estimates of their posterior weight"
            }
        ));
    }
    if ess < 100.0 * o.chains as f64 {
        warnings.push(format!(
            "effective sample size {ess:.0} ({:.0} per chain) is below 100 per chain: the interval's limits carry \
             noticeable Monte Carlo error; run longer chains or more of them",
            ess / o.chains as f64
        ));
    }
    if let Some(cap) = max_n
        && share_near_cap > 0.01
    {
        warnings.push(format!(
            "{:.1}% of draws lie in the top tenth below the cap N <= {cap} (LCMCR's rule n0 <= {} n): the posterior \
             is truncated there and the upper limit is the cap's, not the data's",
            100.0 * share_near_cap,
            o.max_unseen_ratio.unwrap_or(f64::NAN)
        ));
    }
    LcmcrReport {
        lists: table.lists().to_vec(),
        observed: data.n,
        method: "lcmcr",
        settings: LcmcrSettings {
            k: o.k,
            a_alpha: o.a_alpha,
            b_alpha: o.b_alpha,
            warmup: o.warmup,
            burnin: o.burnin,
            samples: o.samples,
            thinning: o.thinning,
            chains: o.chains,
            seed: o.seed,
            max_unseen_ratio: o.max_unseen_ratio,
            level: o.level,
        },
        median,
        mean,
        interval,
        chains,
        diagnostics: LcmcrDiagnostics {
            rhat,
            ess,
            max_n,
            redrawn,
            share_near_cap,
            modes,
            chains_disagree,
            multimodal,
            warnings,
        },
        samples: runs.into_iter().map(|r| r.draws).collect(),
    }
}

/// R's default (type 7) quantile of sorted values.
pub(crate) fn quantile7(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}
