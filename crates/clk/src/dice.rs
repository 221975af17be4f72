//! Dice similarity of encodings at the hub: all pairs between two lists whose Dice coefficient
//! `2|a∧b| / (|a|+|b|)` reaches a threshold, fast.
//!
//! * **Bit-packed popcount**: encodings are rows of `u64` words; `|a∧b|` is the sum of
//!   `(a_w & b_w).count_ones()`. The second list is interleaved in groups of 8 rows so that one
//!   row of the first list meets 8 rows with vertical AND/popcount/add (no horizontal sum per
//!   pair). Byte popcounts are summed in a 64-byte accumulator (one AVX-512 register) and reduced
//!   to one count per pair once per row. The kernel is compiled for AVX-512, AVX2 + popcnt and
//!   the baseline, and `pulp` picks the best one at run time, so no `unsafe` and no build flags
//!   are needed; building with `-C target-cpu=native` on a processor with AVX512-BITALG lets the
//!   compiler use `vpopcntb` and is faster still.
//! * **Integer threshold test**: for every possible denominator `s = |a|+|b|` we precompute the
//!   smallest numerator `x` with `x / s ≥ t` *as anonlink computes it* (a double division), and
//!   accept a pair iff `2|a∧b| ≥ x[s]`. No division in the inner loop, and exactly the pairs
//!   anonlink accepts — also at the boundary (`0.8` is not exactly representable, and
//!   `8/10 ≥ 0.8` holds in doubles but not in exact rationals).
//! * **Popcount filtering** (blocking that loses nothing): `|a∧b| ≤ min(|a|,|b|)`, so a pair can
//!   only reach the threshold if `2·min(|a|,|b|) ≥ x[|a|+|b|]`. The second list is sorted by
//!   popcount, and each record of the first list is compared with the contiguous range of
//!   popcounts that can reach the threshold.
//! * **Tiling**: the second list is processed in tiles that fit the L2 cache while a block of the
//!   first list is compared with it, so each tile is read from memory once per block.
//! * **All cores**: blocks of the first list are spread over rayon's pool.
//!
//! Results are sorted as anonlink sorts them: decreasing similarity, then increasing index in
//! the first list, then in the second.

use rayon::prelude::*;

use crate::clk::Clk;
use crate::error::{Error, Result};

/// Rows of the first list per rayon task.
const A_BLOCK: usize = 64;
/// Bytes of the second list per tile (a quarter of a typical 1 MiB L2).
const TILE_BYTES: usize = 256 * 1024;

/// A candidate pair: index in the first list, index in the second, Dice coefficient.
pub type Pair = (usize, usize, f64);

/// Encodings packed for comparison: one row of `u64` words per record, plus popcounts.
#[derive(Clone)]
pub struct EncodingSet {
    n_bits: usize,
    n_words: usize,
    words: Vec<u64>,
    popcounts: Vec<u32>,
}

impl std::fmt::Debug for EncodingSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EncodingSet({} × {} bits)", self.len(), self.n_bits)
    }
}

impl EncodingSet {
    /// Pack `clks`, which must all have the same length.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when lengths differ.
    pub fn new(clks: &[Clk]) -> Result<EncodingSet> {
        let n_bits = clks.first().map_or(0, Clk::n_bits);
        let n_words = n_bits.div_ceil(64);
        let mut words = Vec::with_capacity(n_words * clks.len());
        let mut popcounts = Vec::with_capacity(clks.len());
        for c in clks {
            if c.n_bits() != n_bits {
                return Err(Error::LengthMismatch { left: n_bits, right: c.n_bits() });
            }
            words.extend_from_slice(c.words());
            popcounts.push(c.popcount());
        }
        Ok(EncodingSet { n_bits, n_words, words, popcounts })
    }

    /// Number of encodings.
    pub fn len(&self) -> usize {
        self.popcounts.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.popcounts.is_empty()
    }

    /// Bits per encoding.
    pub fn n_bits(&self) -> usize {
        self.n_bits
    }

    fn row(&self, i: usize) -> &[u64] {
        &self.words[i * self.n_words..(i + 1) * self.n_words]
    }

    /// The subset `indices`, in that order.
    pub(crate) fn select(&self, indices: &[usize]) -> EncodingSet {
        let mut words = Vec::with_capacity(indices.len() * self.n_words);
        let mut popcounts = Vec::with_capacity(indices.len());
        for &i in indices {
            words.extend_from_slice(self.row(i));
            popcounts.push(self.popcounts[i]);
        }
        EncodingSet { n_bits: self.n_bits, n_words: self.n_words, words, popcounts }
    }
}

/// For each denominator `s` in `0..=max_s`, the least numerator `x` with `x as f64 / s as f64 ≥ t`
/// (`u32::MAX` when none, i.e. `s = 0`: anonlink scores two empty encodings 0).
pub(crate) fn numerator_table(threshold: f64, max_s: usize) -> Vec<u32> {
    let mut table = Vec::with_capacity(max_s + 1);
    table.push(u32::MAX);
    for s in 1..=max_s {
        let sf = s as f64;
        let mut x = (threshold * sf).ceil().max(0.0) as u64;
        while x > 0 && (x - 1) as f64 / sf >= threshold {
            x -= 1;
        }
        while (x as f64) / sf < threshold {
            x += 1;
        }
        table.push(u32::try_from(x).unwrap_or(u32::MAX));
    }
    table
}

fn check_threshold(threshold: f64) -> Result<()> {
    if threshold > 0.0 && threshold <= 1.0 { Ok(()) } else { Err(Error::Threshold(threshold)) }
}

/// Rows of the second list are interleaved by groups of `LANES`: word `w` of the group's rows
/// lie next to each other, so one row of the first list is compared with `LANES` rows at once
/// by vertical AND + popcount + add, with no horizontal sum per pair; compilers turn this into
/// SIMD popcounts (AVX2 `vpshufb` or AVX-512).
const LANES: usize = 8;
/// Bytes of one word of a group.
const GROUP_BYTES: usize = LANES * 8;
/// Words whose byte popcounts (at most 8 each) can be summed in a `u8` without overflow.
const BYTE_ACC_WORDS: usize = 31;

/// The second list sorted by popcount and interleaved, with its original indices.
struct SortedB {
    n_words: usize,
    len: usize,
    /// Group `g`, word `w` at `g * n_words + w`: the bytes of word `w` of the group's rows, lane
    /// after lane; rows past `len` are zero.
    data: Vec<[u8; GROUP_BYTES]>,
    /// Popcounts in sorted order, padded with the last value, so that `pops[g * LANES]` is the
    /// least popcount of group `g`.
    pops: Vec<u32>,
    original: Vec<usize>,
}

impl SortedB {
    fn new(b: &EncodingSet) -> SortedB {
        let mut order: Vec<usize> = (0..b.len()).collect();
        order.sort_by_key(|&i| (b.popcounts[i], i));
        let n_words = b.n_words;
        let groups = b.len().div_ceil(LANES);
        let mut data = vec![[0u8; GROUP_BYTES]; groups * n_words];
        for (k, &i) in order.iter().enumerate() {
            let (g, lane) = (k / LANES, k % LANES);
            for (w, &word) in b.row(i).iter().enumerate() {
                data[g * n_words + w][lane * 8..lane * 8 + 8].copy_from_slice(&word.to_ne_bytes());
            }
        }
        let mut pops: Vec<u32> = order.iter().map(|&i| b.popcounts[i]).collect();
        let last = pops.last().copied().unwrap_or(0);
        pops.resize(groups * LANES, last);
        SortedB { n_words, len: b.len(), data, pops, original: order }
    }
}

/// All pairs `(i, j, dice)` with `dice(a[i], b[j]) ≥ threshold`, sorted by decreasing
/// similarity then indices. Uses all cores.
///
/// # Errors
/// [`Error::Threshold`] unless `0 < threshold ≤ 1`; [`Error::LengthMismatch`] when the two lists
/// have encodings of different lengths.
pub fn candidate_pairs(a: &EncodingSet, b: &EncodingSet, threshold: f64) -> Result<Vec<Pair>> {
    candidate_pairs_impl(a, b, threshold, true)
}

/// As [`candidate_pairs`] on the calling thread only (to measure per-core speed).
///
/// # Errors
/// As [`candidate_pairs`].
pub fn candidate_pairs_sequential(a: &EncodingSet, b: &EncodingSet, threshold: f64) -> Result<Vec<Pair>> {
    candidate_pairs_impl(a, b, threshold, false)
}

fn candidate_pairs_impl(a: &EncodingSet, b: &EncodingSet, threshold: f64, parallel: bool) -> Result<Vec<Pair>> {
    check_threshold(threshold)?;
    if a.is_empty() || b.is_empty() {
        return Ok(Vec::new());
    }
    if a.n_bits != b.n_bits {
        return Err(Error::LengthMismatch { left: a.n_bits, right: b.n_bits });
    }
    let table = numerator_table(threshold, 2 * a.n_bits);
    let sorted = SortedB::new(b);
    let n_blocks = a.len().div_ceil(A_BLOCK);
    let arch = pulp::Arch::new();
    let run = |block: usize| -> Vec<Pair> {
        let rows = block * A_BLOCK..((block + 1) * A_BLOCK).min(a.len());
        arch.dispatch(BlockJob { a, b: &sorted, rows, table: &table })
    };
    let mut pairs: Vec<Pair> = if parallel {
        (0..n_blocks).into_par_iter().flat_map_iter(run).collect()
    } else {
        (0..n_blocks).flat_map(run).collect()
    };
    sort_pairs(&mut pairs);
    Ok(pairs)
}

/// anonlink's order: similarity descending, then first index, then second index.
pub(crate) fn sort_pairs(pairs: &mut [Pair]) {
    pairs.sort_unstable_by(|x, y| y.2.total_cmp(&x.2).then(x.0.cmp(&y.0)).then(x.1.cmp(&y.1)));
}

/// Range of positions in the popcount-sorted second list that can reach the threshold with a
/// record of popcount `pa`.
fn reachable_range(pa: u32, b_pop: &[u32], table: &[u32]) -> std::ops::Range<usize> {
    let ok = |pb: u32| 2 * pa.min(pb) >= table[(pa + pb) as usize];
    // Feasible popcounts form an interval around `pa` (the bound is monotone on each side).
    let lo = b_pop.partition_point(|&pb| pb < pa && !ok(pb));
    let hi = b_pop.partition_point(|&pb| pb <= pa || ok(pb));
    lo..hi.max(lo)
}

/// One block of rows of the first list against the whole second list, as a unit of work that
/// `pulp` runs inside a function compiled for the best instruction set this processor has
/// (AVX-512, AVX2 + popcnt, or the portable baseline), chosen at run time without `unsafe`
/// in this crate.
struct BlockJob<'a> {
    a: &'a EncodingSet,
    b: &'a SortedB,
    rows: std::ops::Range<usize>,
    table: &'a [u32],
}

impl pulp::WithSimd for BlockJob<'_> {
    type Output = Vec<Pair>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Vec<Pair> {
        compare_block(self.a, self.b, self.rows, self.table)
    }
}

/// `|a ∧ b|` for one row against the `LANES` rows of one group. `a_bytes[w]` is word `w` of the
/// row repeated in every lane. Popcounts are summed per byte (the inner loop is 64 bytes wide:
/// one AVX-512 register or two AVX2 registers) and reduced to one count per lane only at the end.
#[inline(always)]
fn group_counts(a_bytes: &[[u8; GROUP_BYTES]], group: &[[u8; GROUP_BYTES]]) -> [u64; LANES] {
    let mut counts = [0u64; LANES];
    for (a_chunk, g_chunk) in a_bytes.chunks(BYTE_ACC_WORDS).zip(group.chunks(BYTE_ACC_WORDS)) {
        let acc = byte_counts(a_chunk, g_chunk);
        let lane_sums = lane_byte_sums(&acc);
        for l in 0..LANES {
            counts[l] += lane_sums[l];
        }
    }
    counts
}

/// Per-byte popcounts of `a ∧ g` summed over at most [`BYTE_ACC_WORDS`] words; the accumulator
/// is returned by value so that it stays in a register.
#[inline(always)]
fn byte_counts(a_chunk: &[[u8; GROUP_BYTES]], g_chunk: &[[u8; GROUP_BYTES]]) -> [u8; GROUP_BYTES] {
    let mut acc = [0u8; GROUP_BYTES];
    for (ab, gb) in a_chunk.iter().zip(g_chunk) {
        acc = std::array::from_fn(|j| acc[j] + (ab[j] & gb[j]).count_ones() as u8);
    }
    acc
}

/// Sum of the 8 bytes of each lane.
#[inline(always)]
fn lane_byte_sums(acc: &[u8; GROUP_BYTES]) -> [u64; LANES] {
    std::array::from_fn(|l| {
        let x = u64::from_ne_bytes(std::array::from_fn(|j| acc[l * 8 + j]));
        // Pairwise sums in 16-bit fields (each at most 2 × 248), then add the four fields.
        let pairs = (x & 0x00FF_00FF_00FF_00FF) + ((x >> 8) & 0x00FF_00FF_00FF_00FF);
        pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48
    })
}

#[inline(always)]
fn compare_block(a: &EncodingSet, b: &SortedB, rows: std::ops::Range<usize>, table: &[u32]) -> Vec<Pair> {
    let mut out = Vec::new();
    let nw = b.n_words;
    let tile_groups = (TILE_BYTES / (nw * GROUP_BYTES).max(1)).max(1);
    // Every row of the block with each word repeated in the `LANES` lanes.
    let a_bytes: Vec<[u8; GROUP_BYTES]> = rows
        .clone()
        .flat_map(|i| a.row(i).iter())
        .map(|w| {
            let mut x = [0u8; GROUP_BYTES];
            for lane in x.chunks_exact_mut(8) {
                lane.copy_from_slice(&w.to_ne_bytes());
            }
            x
        })
        .collect();
    let ranges: Vec<std::ops::Range<usize>> =
        rows.clone().map(|i| reachable_range(a.popcounts[i], &b.pops[..b.len], table)).collect();
    let n_groups = b.len.div_ceil(LANES);
    let mut g_start = 0;
    while g_start < n_groups {
        let g_end = (g_start + tile_groups).min(n_groups);
        for (r, (i, range)) in rows.clone().zip(&ranges).enumerate() {
            let lo = range.start.max(g_start * LANES);
            let hi = range.end.min(g_end * LANES);
            if lo >= hi {
                continue;
            }
            let row = &a_bytes[r * nw..(r + 1) * nw];
            let pa = a.popcounts[i];
            for g in lo / LANES..hi.div_ceil(LANES) {
                let counts = group_counts(row, &b.data[g * nw..(g + 1) * nw]);
                // Popcounts are sorted, so the group's first lane needs the least overlap: one
                // vectorisable test rejects most groups.
                let least = u64::from(table[(pa + b.pops[g * LANES]) as usize]);
                if !counts.iter().fold(false, |hit, &c| hit | (2 * c >= least)) {
                    continue;
                }
                for (l, &c) in counts.iter().enumerate() {
                    let k = g * LANES + l;
                    if k < lo || k >= hi {
                        continue;
                    }
                    let s = (pa + b.pops[k]) as usize;
                    let c2 = 2 * c as u32;
                    if c2 >= table[s] {
                        out.push((i, b.original[k], f64::from(c2) / s as f64));
                    }
                }
            }
        }
        g_start = g_end;
    }
    out
}

/// Candidate pairs restricted to records that share at least one block key (as anonlink's
/// `blocking_f`): each block is compared with [`candidate_pairs`] and duplicates (pairs that
/// share several keys) are removed.
///
/// # Errors
/// As [`candidate_pairs`].
pub fn candidate_pairs_blocked<K: Ord + Clone>(
    a: &EncodingSet,
    b: &EncodingSet,
    keys_a: &[Vec<K>],
    keys_b: &[Vec<K>],
    threshold: f64,
) -> Result<Vec<Pair>> {
    check_threshold(threshold)?;
    let mut blocks: std::collections::BTreeMap<K, (Vec<usize>, Vec<usize>)> = std::collections::BTreeMap::new();
    for (i, ks) in keys_a.iter().enumerate().take(a.len()) {
        for k in ks {
            blocks.entry(k.clone()).or_default().0.push(i);
        }
    }
    for (j, ks) in keys_b.iter().enumerate().take(b.len()) {
        for k in ks {
            blocks.entry(k.clone()).or_default().1.push(j);
        }
    }
    let mut pairs = Vec::new();
    for (ia, ib) in blocks.values() {
        if ia.is_empty() || ib.is_empty() {
            continue;
        }
        let sub = candidate_pairs(&a.select(ia), &b.select(ib), threshold)?;
        pairs.extend(sub.into_iter().map(|(i, j, s)| (ia[i], ib[j], s)));
    }
    sort_pairs(&mut pairs);
    pairs.dedup_by(|x, y| x.0 == y.0 && x.1 == y.1);
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_agrees_with_float_division() {
        let t = numerator_table(0.8, 40);
        // 8/10 is 0.8 in doubles, so 8 suffices at s = 10.
        assert_eq!(t[10], 8);
        for (s, &x) in t.iter().enumerate().skip(1) {
            assert!(f64::from(x) / s as f64 >= 0.8);
            assert!(x == 0 || f64::from(x - 1) / (s as f64) < 0.8);
        }
    }
}
