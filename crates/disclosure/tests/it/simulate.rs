//! Random observatories: victims drawn with skewed categories (so that small cells abound), and
//! the release of their tables as Palermo publishes them (year, year × sex, sex × age, the
//! SDG cube of sex × age group per year, forms of exploitation with victims in two forms,
//! citizenship, country of exploitation and the flows between them), with the relations between
//! the tables declared as the app declares them.

use std::collections::BTreeMap;

use disclosure::{CellId, Release};

/// A small deterministic generator (xorshift64*), enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An index drawn with the given weights.
    pub fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut u = self.uniform() * total;
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return i;
            }
            u -= w;
        }
        weights.len() - 1
    }
}

pub struct Victim {
    year: usize,
    sex: usize,
    age: usize,
    forms: Vec<usize>,
    origin: usize,
    destination: usize,
}

const SEXES: [&str; 3] = ["female", "male", "unknown"];
const AGES: [&str; 3] = ["child", "adult", "unknown"];

/// Victims of one random observatory of about `n` victims.
pub fn victims(n: usize, seed: u64) -> Vec<Victim> {
    let mut rng = Rng::new(seed);
    let years = 2 + (rng.next() % 5) as usize;
    let n_forms = 2 + (rng.next() % 4) as usize;
    let origins = 3 + (rng.next() % 12) as usize;
    let destinations = 2 + (rng.next() % 5) as usize;
    let geometric = |k: usize, r: f64| -> Vec<f64> { (0..k).map(|i| r.powi(i as i32)).collect() };
    let form_weights = geometric(n_forms, 0.5);
    let origin_weights = geometric(origins, 0.7);
    let destination_weights = geometric(destinations, 0.35);
    (0..n)
        .map(|_| {
            let mut forms = vec![rng.pick(&form_weights)];
            if rng.uniform() < 0.1 {
                let second = rng.pick(&form_weights);
                if second != forms[0] {
                    forms.push(second);
                }
            }
            Victim {
                year: rng.pick(&vec![1.0; years]),
                sex: rng.pick(&[0.62, 0.35, 0.03]),
                age: rng.pick(&[0.3, 0.65, 0.05]),
                forms,
                origin: rng.pick(&origin_weights),
                destination: rng.pick(&destination_weights),
            }
        })
        .collect()
}

fn count<K: Ord>(victims: &[Victim], key: impl Fn(&Victim) -> Vec<K>) -> BTreeMap<K, u64> {
    let mut out = BTreeMap::new();
    for v in victims {
        for k in key(v) {
            *out.entry(k).or_default() += 1;
        }
    }
    out
}

/// The release of the victims' tables. Returns it with the published cells of each table.
pub fn release(victims: &[Victim]) -> (Release, BTreeMap<&'static str, Vec<CellId>>) {
    let mut r = Release::new();
    let mut tables: BTreeMap<&'static str, Vec<CellId>> = BTreeMap::new();
    let cube = count(victims, |v| vec![(v.year, v.sex, v.age)]);
    let total = r.published("total", victims.len() as u64).expect("cell");
    tables.entry("total").or_default().push(total);
    // The cube: published for female and male children and adults (the SDG table), latent else.
    let mut cube_cell = BTreeMap::new();
    for (&(y, s, a), &n) in &cube {
        let key = format!("ysa|{y}|{}|{}", SEXES[s], AGES[a]);
        let id = if s < 2 && a < 2 {
            let id = r.published(&key, n).expect("cell");
            tables.entry("sdg").or_default().push(id);
            id
        } else {
            r.latent(&key, n).expect("cell")
        };
        cube_cell.insert((y, s, a), id);
    }
    let year_sex = count(victims, |v| vec![(v.year, v.sex)]);
    let mut ys_cell = BTreeMap::new();
    for (&(y, s), &n) in &year_sex {
        let id = r.published(&format!("ys|{y}|{}", SEXES[s]), n).expect("cell");
        tables.entry("year_sex").or_default().push(id);
        ys_cell.insert((y, s), id);
        let parts: Vec<CellId> = cube_cell.range((y, s, 0)..=(y, s, 9)).map(|(_, id)| *id).collect();
        r.sum(id, &parts).expect("relation");
    }
    let years = count(victims, |v| vec![v.year]);
    let mut year_cells = Vec::new();
    for (&y, &n) in &years {
        let id = r.published(&format!("y|{y}"), n).expect("cell");
        tables.entry("year").or_default().push(id);
        year_cells.push(id);
        let parts: Vec<CellId> = ys_cell.range((y, 0)..=(y, 9)).map(|(_, id)| *id).collect();
        r.sum(id, &parts).expect("relation");
    }
    r.sum(total, &year_cells).expect("relation");
    let sex_age = count(victims, |v| vec![(v.sex, v.age)]);
    for (&(s, a), &n) in &sex_age {
        let id = r.published(&format!("sa|{}|{}", SEXES[s], AGES[a]), n).expect("cell");
        tables.entry("sex_age").or_default().push(id);
        let parts: Vec<CellId> =
            cube_cell.iter().filter(|((_, cs, ca), _)| *cs == s && *ca == a).map(|(_, id)| *id).collect();
        r.sum(id, &parts).expect("relation");
    }
    // Forms: a victim in two forms counts under each.
    let ysaf = count(victims, |v| v.forms.iter().map(|&f| (v.year, v.sex, v.age, f)).collect());
    let mut ysaf_cell = BTreeMap::new();
    for (&(y, s, a, f), &n) in &ysaf {
        let id = r.published(&format!("ysaf|{y}|{}|{}|{f}", SEXES[s], AGES[a]), n).expect("cell");
        tables.entry("ysaf").or_default().push(id);
        r.at_most(id, cube_cell[&(y, s, a)]).expect("relation");
        ysaf_cell.insert((y, s, a, f), id);
    }
    for (&(y, s, a), &whole) in &cube_cell {
        let parts: Vec<CellId> = ysaf_cell.range((y, s, a, 0)..=(y, s, a, 99)).map(|(_, id)| *id).collect();
        r.at_least(&parts, whole).expect("relation");
    }
    let year_form = count(victims, |v| v.forms.iter().map(|&f| (v.year, f)).collect());
    for (&(y, f), &n) in &year_form {
        let id = r.published(&format!("yf|{y}|{f}"), n).expect("cell");
        tables.entry("year_form").or_default().push(id);
        let parts: Vec<CellId> =
            ysaf_cell.iter().filter(|((cy, _, _, cf), _)| *cy == y && *cf == f).map(|(_, id)| *id).collect();
        r.sum(id, &parts).expect("relation");
    }
    // Citizenship, country of exploitation, flows.
    let flows = count(victims, |v| vec![(v.origin, v.destination)]);
    let mut flow_cell = BTreeMap::new();
    for (&(o, d), &n) in &flows {
        let id = r.published(&format!("flow|{o}|{d}"), n).expect("cell");
        tables.entry("flows").or_default().push(id);
        flow_cell.insert((o, d), id);
    }
    let origins = count(victims, |v| vec![v.origin]);
    let mut origin_cells = Vec::new();
    for (&o, &n) in &origins {
        let id = r.published(&format!("cit|{o}"), n).expect("cell");
        tables.entry("citizenship").or_default().push(id);
        origin_cells.push(id);
        let parts: Vec<CellId> = flow_cell.range((o, 0)..=(o, 99)).map(|(_, id)| *id).collect();
        r.sum(id, &parts).expect("relation");
    }
    r.sum(total, &origin_cells).expect("relation");
    let destinations = count(victims, |v| vec![v.destination]);
    let mut destination_cells = Vec::new();
    for (&d, &n) in &destinations {
        let id = r.published(&format!("dest|{d}"), n).expect("cell");
        tables.entry("destination").or_default().push(id);
        destination_cells.push(id);
        let parts: Vec<CellId> = flow_cell.iter().filter(|((_, fd), _)| *fd == d).map(|(_, id)| *id).collect();
        r.sum(id, &parts).expect("relation");
    }
    r.sum(total, &destination_cells).expect("relation");
    (r, tables)
}
