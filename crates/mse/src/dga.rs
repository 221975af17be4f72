//! Bayesian model averaging over decomposable graphical models (Madigan and
//! York 1997, "Bayesian methods for estimation of the size of a closed
//! population", *Biometrika* 84(1)), as the R package dga 2.0.2 (Johndrow, Lum
//! and Madigan; used by HRDAG) computes it.
//!
//! **What it assumes.** The `2^t` capture patterns of a closed population follow
//! a multinomial whose dependence between lists is one of the decomposable
//! graphical models on the `t` lists (two lists not joined by an edge are
//! independent given the lists that separate them); each model gets the same
//! prior weight. Within a model the cell probabilities have the hyper-Dirichlet
//! prior with `delta` prior cases spread evenly over the `2^t` cells (dga's
//! suggested `delta = 2^-t`, the default here). The number of unseen people has
//! the prior `p(N) ∝ 1/N` over a grid `0..=max_missing` (dga's default prior; the
//! grid is the caller's in dga, here `20 n` unless given). Heterogeneity of
//! catchability enters only as the list dependence it creates; a population
//! whose dependence is not decomposable is approximated by the nearest models.
//!
//! **Computation.** Exact: for every model and every value of the unseen count,
//! the marginal likelihood is a product over the model's cliques divided by a
//! product over its separators of Dirichlet–multinomial terms; the posterior of
//! `N` is summed over models. dga ships the lists of decomposable graphs for 3, 4
//! and 5 lists only; Palermo enumerates them itself (vertex by vertex, keeping
//! the graphs that stay chordal), so it also serves 6 to 8 lists (18,154,
//! 617,675 and 30,888,596 graphs; six lists take seconds, eight lists more
//! than ten CPU minutes and most of a gigabyte). A model whose weight on
//! a coarse grid falls more than 50 nats below the best is skipped on the fine
//! grid, and so is every point of a model more than 50 nats below the best
//! (together they change no probability by more than about `1e-14` relative).
//! A grid longer than [`MAX_GRID_POINTS`] by default (more than about 52,000 people seen,
//! with the default `20 n`) keeps every unseen count in its first half and
//! every `step`-th beyond, each such point weighted by the counts it stands
//! for, so that memory stays bounded (at 431,000 seen the unit grid held 8.6
//! million points per marginal table and the run peaked at 3.1 GB): the
//! posterior is smooth at that scale, and its quantiles move by less than a step.

#![allow(clippy::needless_range_loop)] // index loops over bit positions read more plainly here

use std::fmt::Write as _;

use rayon::prelude::*;
use serde::Serialize;
use statrs::function::gamma::ln_gamma;

use crate::Progress;
use crate::error::{Error, Result};
use crate::table::CaptureTable;

/// Most lists [`estimate_dga`] accepts.
pub const MAX_DGA_LISTS: usize = 8;

/// The most unseen counts the posterior is evaluated at by default (each marginal table holds a
/// value per point): a longer grid is evaluated at every `step`-th count.
pub const MAX_GRID_POINTS: usize = 1 << 20;

/// Options of [`estimate_dga`].
#[derive(Debug, Clone, PartialEq)]
pub struct DgaOptions {
    /// Prior cases per cell of the hyper-Dirichlet prior; `None`: `2^-t`, dga's suggestion.
    pub delta: Option<f64>,
    /// Largest number of unseen people on the grid; `None`: `20 n`.
    pub max_missing: Option<u64>,
    /// Level of the credible interval. Default 0.95.
    pub level: f64,
    /// How many of the most probable models to list. Default 10.
    pub top_models: usize,
    /// The most grid points evaluated; a longer grid is stepped. Default [`MAX_GRID_POINTS`].
    pub max_grid_points: usize,
}

impl Default for DgaOptions {
    fn default() -> Self {
        Self { delta: None, max_missing: None, level: 0.95, top_models: 10, max_grid_points: MAX_GRID_POINTS }
    }
}

/// A decomposable graph: its maximal cliques and the separators of a junction
/// tree (empty separators left out), as bit masks over the lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    /// Maximal cliques.
    pub cliques: Vec<u32>,
    /// Non-empty separators (a multiset).
    pub separators: Vec<u32>,
}

/// A model and its posterior probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelWeight {
    /// Its cliques, each as list names joined by `:`.
    pub cliques: Vec<String>,
    /// Posterior probability.
    pub probability: f64,
}

/// The model-averaged posterior of the population size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DgaReport {
    /// List names.
    pub lists: Vec<String>,
    /// Observed cases `n`.
    pub observed: u64,
    /// `dga`.
    pub method: &'static str,
    /// The prior's `delta`.
    pub delta: f64,
    /// Grid of unseen counts, `[0, max_missing]`.
    pub missing_grid: [u64; 2],
    /// Grid points below this are every unseen count; beyond it the grid takes every
    /// `missing_step`-th count (the whole grid is unit unless longer than `max_grid_points`).
    pub missing_unit: u64,
    /// The grid's step beyond `missing_unit`.
    pub missing_step: u64,
    /// Decomposable models averaged over.
    pub models: usize,
    /// Posterior median of `N` (smallest `N` with cumulative probability >= 1/2).
    pub median: f64,
    /// Posterior mean of `N`.
    pub mean: f64,
    /// Posterior mode of `N`.
    pub mode: f64,
    /// Equal-tailed credible interval (quantiles defined as the median).
    pub interval: [f64; 2],
    /// Level of the interval.
    pub level: f64,
    /// The most probable models.
    pub top_models: Vec<ModelWeight>,
    /// Posterior probability by grid point: of `N = n + i` below `missing_unit`, beyond it of the
    /// `missing_step` counts from `N = n + missing_unit + (i − missing_unit) · missing_step`.
    pub posterior: Vec<f64>,
    /// Plain-words warnings (mass at the end of the grid).
    pub warnings: Vec<String>,
}

impl DgaReport {
    /// The report for people: the averaged posterior of N and the leading models.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Bayesian model averaging over decomposable graphs, dga ({} lists: {})",
            self.lists.len(),
            self.lists.join(", ")
        );
        let _ = writeln!(s, "  observed cases     {}", self.observed);
        let _ = writeln!(
            s,
            "  prior              delta {}, p(N) ~ 1/N for 0..={} unseen, {} models equally likely",
            self.delta, self.missing_grid[1], self.models
        );
        let _ = writeln!(s);
        let _ = writeln!(s, "  {:<24} {:>12} {:>12} {:>12} {:>12}", "", "median", "mean", "lower", "upper");
        let _ = writeln!(
            s,
            "  {:<24} {:>12.0} {:>12.0} {:>12.0} {:>12.0}",
            format!("total ({}%)", self.level * 100.0),
            self.median,
            self.mean,
            self.interval[0],
            self.interval[1]
        );
        let _ = writeln!(s);
        let _ = writeln!(s, "  most probable models:");
        for m in &self.top_models {
            let _ = writeln!(s, "    {:>8.4}  [{}]", m.probability, m.cliques.join("] ["));
        }
        for w in &self.warnings {
            let _ = writeln!(s, "  warning: {w}");
        }
        s
    }
}

/// Every decomposable (chordal) graph on `t` vertices, `1 <= t <= 8`, in a fixed
/// order (by vertex-by-vertex construction). For 8 lists that is 30,888,596
/// graphs: use [`decomposable_edge_sets`] and [`graph_of_edges`] to stream them.
pub fn decomposable_graphs(t: usize) -> Vec<Graph> {
    decomposable_edge_sets(t).into_iter().map(|e| graph_of_edges(t, e)).collect()
}

/// Every chordal graph on `t <= 8` vertices as an edge set: bit `pair_index(i, j)`
/// (the crate's pair order) set when lists `i` and `j` are joined.
pub fn decomposable_edge_sets(t: usize) -> Vec<u32> {
    assert!(t <= MAX_DGA_LISTS, "at most {MAX_DGA_LISTS} vertices");
    // Chordality is hereditary for induced subgraphs: grow graphs on vertices
    // 0..v by a vertex v with every possible neighbourhood, keeping chordal ones.
    let mut graphs: Vec<Vec<u32>> = vec![Vec::new()];
    for v in 0..t {
        let last = v + 1 == t;
        let mut next = Vec::new();
        let mut edges_out = Vec::new();
        for g in &graphs {
            for nb in 0u32..(1 << v) {
                let mut adj = g.clone();
                for (u, a) in adj.iter_mut().enumerate() {
                    if nb >> u & 1 == 1 {
                        *a |= 1 << v;
                    }
                }
                adj.push(nb);
                if is_chordal(&adj) {
                    if last {
                        edges_out.push(edges_of(&adj));
                    } else {
                        next.push(adj);
                    }
                }
            }
        }
        if last {
            return edges_out;
        }
        graphs = next;
    }
    vec![0]
}

fn edges_of(adj: &[u32]) -> u32 {
    let t = adj.len();
    let mut e = 0u32;
    for i in 0..t {
        for j in i + 1..t {
            if adj[i] >> j & 1 == 1 {
                e |= 1 << crate::model::pair_index(t, i, j);
            }
        }
    }
    e
}

/// The cliques and separators of the chordal graph with edge set `edges` on `t` vertices.
pub fn graph_of_edges(t: usize, edges: u32) -> Graph {
    let mut adj = vec![0u32; t];
    for i in 0..t {
        for j in i + 1..t {
            if edges >> crate::model::pair_index(t, i, j) & 1 == 1 {
                adj[i] |= 1 << j;
                adj[j] |= 1 << i;
            }
        }
    }
    graph_of(&adj)
}

/// Maximum cardinality search order (Tarjan and Yannakakis 1984).
fn mcs_order(adj: &[u32]) -> Vec<usize> {
    let t = adj.len();
    let mut visited = 0u32;
    let mut order = Vec::with_capacity(t);
    for _ in 0..t {
        let pick = (0..t)
            .filter(|&v| visited >> v & 1 == 0)
            .max_by_key(|&v| ((adj[v] & visited).count_ones(), std::cmp::Reverse(v)))
            .unwrap_or(0);
        visited |= 1 << pick;
        order.push(pick);
    }
    order
}

/// A graph is chordal iff in a maximum cardinality search order every vertex's
/// earlier neighbours form a clique.
fn is_chordal(adj: &[u32]) -> bool {
    let mut earlier = 0u32;
    for v in mcs_order(adj) {
        let p = adj[v] & earlier;
        let mut rest = p;
        while rest != 0 {
            let u = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            if p & !(1 << u) & !adj[u] != 0 {
                return false;
            }
        }
        earlier |= 1 << v;
    }
    true
}

/// Cliques in a perfect sequence and their separators, from the MCS order.
fn graph_of(adj: &[u32]) -> Graph {
    let mut earlier = 0u32;
    let mut candidates = Vec::new();
    for v in mcs_order(adj) {
        candidates.push((adj[v] & earlier) | 1 << v);
        earlier |= 1 << v;
    }
    // Maximal ones, in order of first appearance: a perfect sequence.
    let cliques: Vec<u32> = candidates
        .iter()
        .enumerate()
        .filter(|&(i, &c)| !candidates.iter().enumerate().any(|(j, &d)| j != i && d != c && d & c == c))
        .filter(|&(i, &c)| !candidates[..i].contains(&c))
        .map(|(_, &c)| c)
        .collect();
    let mut seen = 0u32;
    let mut separators = Vec::new();
    for &c in &cliques {
        let s = c & seen;
        if s != 0 {
            separators.push(s);
        }
        seen |= c;
    }
    Graph { cliques, separators }
}

/// Bayesian model averaging over all decomposable graphical models (dga's
/// `bma.cr` with `delta`, the prior `1/N` and equal model weights).
pub fn estimate_dga(table: &CaptureTable, options: &DgaOptions, progress: &dyn Progress) -> Result<DgaReport> {
    let t = table.n_lists();
    if !(3..=MAX_DGA_LISTS).contains(&t) {
        return Err(Error::BadOption {
            what: format!("dga averages over models of 3 to {MAX_DGA_LISTS} lists, got {t}"),
        });
    }
    let delta = options.delta.unwrap_or(2f64.powi(-(t as i32)));
    if !(delta > 0.0 && delta.is_finite()) {
        return Err(Error::BadOption { what: format!("delta must be positive, got {delta}") });
    }
    if !(options.level > 0.0 && options.level < 1.0) {
        return Err(Error::BadOption { what: format!("level must be in (0, 1), got {}", options.level) });
    }
    let n = table.n_observed();
    let max_missing = options.max_missing.unwrap_or(20 * n);
    // Every count up to `unit` (all of them when the grid is short enough); beyond it, every
    // `step`-th, each point standing for its `step` counts. The unit part covers the smallest
    // counts, where the posterior of a model that does not identify N is not smooth (it falls
    // like m^(δ−1) from m = 0).
    let counts = max_missing as usize + 1;
    let max_points = options.max_grid_points.max(2);
    let (unit, step) = if counts <= max_points {
        (counts, 1)
    } else {
        let unit = max_points / 2;
        (unit, (counts - unit).div_ceil(max_points - unit))
    };
    let grid_len = unit + (counts - unit).div_ceil(step);
    // The unseen count at grid point `i`, and how many counts the point stands for.
    let unseen = |i: usize| if i < unit { i as f64 } else { (unit + (i - unit) * step) as f64 };
    let width = |i: usize| if i < unit { 1.0 } else { step as f64 };
    let y = table.history_counts();
    let cells = 1usize << t;
    let nf = n as f64;

    // comp[s][m]: the Dirichlet–multinomial term of the marginal table over lists s.
    let comp: Vec<Vec<f64>> = (0..cells as u32)
        .into_par_iter()
        .map(|s| {
            if s == 0 {
                return Vec::new();
            }
            let k = s.count_ones();
            let delta_s = delta * 2f64.powi((t as u32 - k) as i32);
            let mut marginal = vec![0.0; 1 << k];
            for (h, &count) in y.iter().enumerate() {
                marginal[compress(h as u32, s)] += count;
            }
            let fixed: f64 = marginal[1..].iter().map(|&d| ln_gamma(d + delta_s)).sum::<f64>()
                - (1u64 << k) as f64 * ln_gamma(delta_s);
            (0..grid_len).map(|i| ln_gamma(unseen(i) + marginal[0] + delta_s) + fixed).collect()
        })
        .collect();
    let total_delta = cells as f64 * delta;
    let log_y_fact: f64 = y.iter().map(|&c| ln_gamma(c + 1.0)).sum();
    let denominator: Vec<f64> =
        (0..grid_len).map(|i| ln_gamma(total_delta) - ln_gamma(unseen(i) + nf + total_delta)).collect();
    let common: Vec<f64> = (0..grid_len)
        .map(|i| {
            let m = unseen(i);
            ln_gamma(m + nf + 1.0) - log_y_fact - ln_gamma(m + 1.0) - (m + nf).ln() + width(i).ln()
        })
        .collect();
    let edge_sets = decomposable_edge_sets(t);
    progress.start("dga models", edge_sets.len() as u64);
    // Coarse pass: each model's best log weight on a sub-grid (64 points when
    // there are millions of models, 512 otherwise).
    let points = if edge_sets.len() > 100_000 { 64 } else { 512 };
    let stride = (grid_len / points).max(1);
    let sub = |v: &[f64]| -> Vec<f64> { v.iter().step_by(stride).copied().collect() };
    let coarse_terms =
        Terms { comp: comp.iter().map(|c| sub(c)).collect(), denominator: sub(&denominator), common: sub(&common) };
    let coarse: Vec<f64> = edge_sets
        .par_iter()
        .map_init(Vec::new, |buffer, &e| {
            coarse_terms.log_weights(&graph_of_edges(t, e), 0.0, buffer);
            buffer.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    let terms = Terms { comp, denominator, common };
    let best = coarse.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !best.is_finite() {
        return Err(Error::Fit { reason: "dga: no model has a finite posterior weight".into() });
    }
    // Fine pass over the models that matter, scaled by the coarse best.
    let kept: Vec<usize> = (0..edge_sets.len()).filter(|&i| coarse[i] > best - 50.0).collect();
    // Models in fixed chunks (at most 256 of them, whatever the threads), each
    // summed in order into its own accumulator, the chunks then added in order:
    // the same sums, bit for bit, on any number of cores.
    let chunk = kept.len().div_ceil(256).max(16);
    let partials: Vec<ChunkSums> = kept
        .par_chunks(chunk)
        .map(|models| {
            if progress.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let mut acc = vec![0.0; grid_len];
            let mut log_w = Vec::with_capacity(grid_len);
            let mut sums = Vec::with_capacity(models.len());
            for &i in models {
                terms.log_weights(&graph_of_edges(t, edge_sets[i]), best, &mut log_w);
                let mut sum = 0.0;
                for (a, &l) in acc.iter_mut().zip(&log_w) {
                    // Points more than 50 nats below the best weigh less than
                    // 2e-22 of it: left at zero rather than exponentiated.
                    if l >= -50.0 {
                        let w = l.exp();
                        *a += w;
                        sum += w;
                    }
                }
                sums.push((i, sum));
            }
            progress.inc(models.len() as u64);
            Ok((acc, sums))
        })
        .collect::<Result<_>>()?;
    progress.inc((edge_sets.len() - kept.len()) as u64);
    let mut by_missing = vec![0.0; grid_len];
    let mut by_model: Vec<(usize, f64)> = Vec::with_capacity(kept.len());
    for (acc, sums) in partials {
        for (total, w) in by_missing.iter_mut().zip(&acc) {
            *total += w;
        }
        by_model.extend(sums);
    }
    let total: f64 = by_missing.iter().sum();
    let posterior: Vec<f64> = by_missing.iter().map(|w| w / total).collect();
    by_model.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let lists = table.lists();
    let top_models = by_model
        .iter()
        .take(options.top_models)
        .map(|&(i, w)| ModelWeight {
            cliques: graph_of_edges(t, edge_sets[i])
                .cliques
                .iter()
                .map(|&c| (0..t).filter(|&l| c >> l & 1 == 1).map(|l| lists[l].as_str()).collect::<Vec<_>>().join(":"))
                .collect(),
            probability: w / total,
        })
        .collect();
    let quantile = |p: f64| -> f64 {
        let mut acc = 0.0;
        for (i, w) in posterior.iter().enumerate() {
            acc += w;
            if acc >= p {
                return nf + unseen(i);
            }
        }
        nf + unseen(grid_len - 1)
    };
    let tail = (1.0 - options.level) / 2.0;
    let mean = nf + posterior.iter().enumerate().map(|(i, w)| unseen(i) * w).sum::<f64>();
    // The mode of the density: a point's mass over the counts it stands for.
    let mode = nf
        + posterior
            .iter()
            .enumerate()
            .map(|(i, w)| (i, w / width(i)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(0.0, |(i, _)| unseen(i));
    let top_share: f64 = posterior[grid_len - grid_len.div_ceil(100)..].iter().sum();
    let mut warnings = Vec::new();
    if top_share > 1e-3 {
        warnings.push(format!(
            "{:.2}% of the posterior lies in the top hundredth of the grid (up to {max_missing} unseen): the grid \
             truncates the posterior; raise max_missing",
            100.0 * top_share
        ));
    }
    Ok(DgaReport {
        lists: lists.to_vec(),
        observed: n,
        method: "dga",
        delta,
        missing_grid: [0, max_missing],
        missing_unit: unit as u64,
        missing_step: step as u64,
        models: edge_sets.len(),
        median: quantile(0.5),
        mean,
        mode,
        interval: [quantile(tail), quantile(1.0 - tail)],
        level: options.level,
        top_models,
        posterior,
        warnings,
    })
}

/// The terms of the models' log weights at each grid point: per subset of lists, its marginal
/// table's Dirichlet–multinomial term; the hyper-Dirichlet normalisation; and what every model
/// shares.
struct Terms {
    comp: Vec<Vec<f64>>,
    denominator: Vec<f64>,
    common: Vec<f64>,
}

impl Terms {
    /// The log weight of model `g` at every grid point, less `offset`, into `out`: built as whole
    /// vectors (contiguous adds the compiler vectorises) rather than point by point.
    fn log_weights(&self, g: &Graph, offset: f64, out: &mut Vec<f64>) {
        let k = g.cliques.len() as f64 - g.separators.len() as f64;
        out.clear();
        out.extend(self.common.iter().zip(&self.denominator).map(|(c, d)| c + k * d - offset));
        for &c in &g.cliques {
            for (l, v) in out.iter_mut().zip(&self.comp[c as usize]) {
                *l += v;
            }
        }
        for &s in &g.separators {
            for (l, v) in out.iter_mut().zip(&self.comp[s as usize]) {
                *l -= v;
            }
        }
    }
}

/// One chunk's weights by unseen count, and each of its models' total weight.
type ChunkSums = (Vec<f64>, Vec<(usize, f64)>);

/// The pattern `h` restricted to the lists of `s`, packed into `|s|` bits.
fn compress(h: u32, s: u32) -> usize {
    let mut out = 0usize;
    let mut bit = 0;
    let mut rest = s;
    while rest != 0 {
        let l = rest.trailing_zeros();
        rest &= rest - 1;
        if h >> l & 1 == 1 {
            out |= 1 << bit;
        }
        bit += 1;
    }
    out
}
