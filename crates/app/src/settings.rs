//! `palermo.toml`: an observatory's settings, read once into a typed value.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The name of the settings file inside an observatory folder.
pub const SETTINGS_FILE: &str = "palermo.toml";
/// The SQLite database inside an observatory folder (the embedded default).
pub const DATABASE_FILE: &str = "palermo.db";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub observatory: ObservatorySettings,
    #[serde(default)]
    pub sources: Vec<SourceSettings>,
    pub population: Option<PopulationSettings>,
    #[serde(default)]
    pub disclosure: DisclosureSettings,
    #[serde(default)]
    pub linkage: LinkageSettings,
    /// `[estimate]`: the estimates by stratum.
    #[serde(default)]
    pub estimate: EstimateSettings,
    /// Linkage in encoded space, needed when some source sends encodings instead of names.
    pub encoding: Option<EncodingSettings>,
    /// Monitoring of States' measures (`palermo monitor`), imported by `palermo run`.
    pub monitor: Option<MonitorSettings>,
    /// `[limits]`: what one agency file may ask of the reader before it is refused (or, for a
    /// row, quarantined), with the limit named; defaults far above a real file's needs.
    #[serde(default)]
    pub limits: ingest::Limits,
    /// `[report]`: how the report is printed.
    #[serde(default)]
    pub report: ReportSettings,
    /// `[publish]`: releases (`palermo publish`): each audience's method and tables, the
    /// differential-privacy budget, the rounding base.
    #[serde(default)]
    pub publish: PublishSettings,
}

/// `[publish]`: what `palermo publish` releases to each audience, and how.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishSettings {
    /// The total ε the releases of the observatory's data may spend under differential privacy
    /// (pinned in the ledger by the first release that spends from it).
    #[serde(default = "default_epsilon_budget")]
    pub epsilon_budget: f64,
    /// The ε one differentially private release spends (`publish --epsilon` overrides it).
    #[serde(default = "default_epsilon")]
    pub epsilon: f64,
    /// The base of controlled rounding: 3 or 5 (`publish --base` overrides it).
    #[serde(default = "default_rounding_base")]
    pub rounding_base: u64,
    /// When set, the synthetic file written beside suppressed tables is differentially private
    /// at this ε (`disclosure::synth::synthesise_dp`), spent from the budget like a DP release;
    /// unset, it is k-anonymous (k = 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synthetic_epsilon: Option<f64>,
    #[serde(default)]
    pub public: AudienceSettings,
    #[serde(default)]
    pub partners: AudienceSettings,
    #[serde(default)]
    pub internal: AudienceSettings,
}

/// `[publish.public]`, `[publish.partners]`, `[publish.internal]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudienceSettings {
    /// How the audience's tables are protected (`publish --method` overrides it).
    #[serde(default)]
    pub method: PublishMethod,
    /// Which tables the audience receives (by name, as in `palermo stats`); all by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<Vec<String>>,
}

/// How a release protects its tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishMethod {
    /// Primary and secondary suppression over the linked tables, audited (`[disclosure]`).
    #[default]
    Suppression,
    /// Controlled rounding of every count to a multiple of `rounding_base`, tables additive.
    Rounding,
    /// Differential privacy (OpenDP's discrete Laplace), spending `epsilon` from the budget.
    Dp,
}

impl PublishMethod {
    pub fn name(self) -> &'static str {
        match self {
            PublishMethod::Suppression => "suppression",
            PublishMethod::Rounding => "rounding",
            PublishMethod::Dp => "dp",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [PublishMethod::Suppression, PublishMethod::Rounding, PublishMethod::Dp].into_iter().find(|m| m.name() == text)
    }
}

impl Default for PublishSettings {
    fn default() -> Self {
        PublishSettings {
            epsilon_budget: default_epsilon_budget(),
            epsilon: default_epsilon(),
            rounding_base: default_rounding_base(),
            synthetic_epsilon: None,
            public: AudienceSettings::default(),
            partners: AudienceSettings::default(),
            internal: AudienceSettings::default(),
        }
    }
}

fn default_epsilon_budget() -> f64 {
    1.0
}

fn default_epsilon() -> f64 {
    0.5
}

fn default_rounding_base() -> u64 {
    3
}

/// `[report]`: how `out/report.html` is printed (`palermo run --pdf`, or from a browser).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    /// The paper size: `"a4"` (the default) or `"letter"` (US Letter).
    #[serde(default)]
    pub paper: report::Paper,
}

/// `[encoding]`: how the hub's linkage unit encodes the named sources so that they can be
/// compared with the encoded ones. Trust assumption: whoever runs `palermo run` holds the secret
/// the agencies encode with, and the names of the named sources; it never receives the names of
/// the agencies that send encodings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncodingSettings {
    /// The linkage schema (clkhash v3 JSON) the agencies encode with, relative to the folder.
    pub schema: PathBuf,
    /// The file holding the shared secret, relative to the folder.
    pub secret_file: PathBuf,
    /// Dice similarity at or above which two encodings are the same person.
    #[serde(default = "default_dice_threshold")]
    pub threshold: f64,
}

fn default_dice_threshold() -> f64 {
    0.8
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorSettings {
    /// A seed-measures folder (`measures.csv`, `vocabulary.csv`, `states.csv`, optional
    /// `round.toml`), relative to the observatory folder or absolute.
    pub data: PathBuf,
    /// A folder of States' replies (`.yaml`, `.yml`, `.json`), imported in file-name order.
    pub replies: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservatorySettings {
    pub name: String,
    /// ISO 3166-1 alpha-3 of the observatory's country.
    pub country: String,
    /// First and last reference year, inclusive.
    pub years: Option<[i32; 2]>,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Files named in these settings are read only from inside the observatory folder unless
    /// this is set; each file read from outside is then named in the log.
    #[serde(default)]
    pub read_outside: bool,
}

fn default_seed() -> u64 {
    2008
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    /// Short id, `[a-z0-9_]+`.
    pub name: String,
    /// One of the `source_kind` vocabulary.
    pub kind: String,
    /// The file, relative to the observatory folder.
    pub file: PathBuf,
    /// The mapping, relative to the observatory folder.
    pub mapping: PathBuf,
    /// For a source that sends encodings instead of names: its CLKs (`{"clks": [...]}`, one
    /// per data row of `file`, in order), relative to the observatory folder.
    pub encodings: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationSettings {
    pub file: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureSettings {
    /// Counts below this (and above zero) are suppressed in published tables.
    #[serde(default = "default_min_cell")]
    pub min_cell: u64,
    /// A suppressed count `x` must stay, for an attacker who knows every published table of the
    /// run, anywhere in `[x − protection, x + protection]` (down to zero); default `min_cell − 1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protection: Option<u64>,
    /// What secondary suppression minimises: `cells` (their number), `value` (their total) or
    /// `log_value` (few cells, preferring small ones; the default).
    #[serde(default)]
    pub cost: CostSetting,
}

/// `[disclosure] cost`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostSetting {
    Cells,
    Value,
    #[default]
    LogValue,
}

impl DisclosureSettings {
    /// The rule every release of the observatory applies.
    pub fn rule(&self) -> disclosure::Rule {
        let mut rule = disclosure::Rule::new(self.min_cell);
        if let Some(p) = self.protection {
            rule.protection = p;
        }
        rule.cost = match self.cost {
            CostSetting::Cells => disclosure::Cost::Cells,
            CostSetting::Value => disclosure::Cost::Value,
            CostSetting::LogValue => disclosure::Cost::LogValue,
        };
        rule
    }
}

impl Default for DisclosureSettings {
    fn default() -> Self {
        DisclosureSettings { min_cell: default_min_cell(), protection: None, cost: CostSetting::default() }
    }
}

/// The smallest `disclosure.min_cell` accepted.
pub const MIN_CELL_FLOOR: u64 = 3;

fn default_min_cell() -> u64 {
    5
}

/// `[estimate]`: the estimators, and the estimates by stratum.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EstimateSettings {
    /// The estimators run on the linked lists, shown side by side (`app::methods`); the first is
    /// the headline figure. Log-linear: `stepwise`, `bic`, `aic`, `main`; Bayesian: `lcmcr`,
    /// `dga`; Rcapture's: `m0`, `mt`, `mth-chao`, `mth-darroch`, `mth-poisson2`, ….
    #[serde(default = "default_methods")]
    pub methods: Vec<String>,
    /// dga is skipped (with the reason said) on more lists than this: its exact average grows
    /// with the number of decomposable graphs (822 for 5 lists, 18,154 for 6).
    #[serde(default = "default_dga_max_lists")]
    pub dga_max_lists: usize,
    /// LCMCR's chain lengths (`[estimate.lcmcr]`).
    #[serde(default)]
    pub lcmcr: LcmcrSettings,
    /// Fields the persons are split by, one at a time, for estimates by stratum (`sex`,
    /// `age_group`, `exploitation`, or any other categorical field); empty: none.
    #[serde(default = "default_strata")]
    pub strata: Vec<String>,
    /// A stratum with fewer persons seen than this gets no estimate (the reason is said).
    #[serde(default = "default_min_stratum")]
    pub min_stratum: u64,
}

impl Default for EstimateSettings {
    fn default() -> Self {
        EstimateSettings {
            methods: default_methods(),
            dga_max_lists: default_dga_max_lists(),
            lcmcr: LcmcrSettings::default(),
            strata: default_strata(),
            min_stratum: default_min_stratum(),
        }
    }
}

fn default_methods() -> Vec<String> {
    ["stepwise", "lcmcr", "dga", "mth-chao", "mth-darroch"].map(str::to_owned).to_vec()
}

fn default_dga_max_lists() -> usize {
    5
}

/// `[estimate.lcmcr]`: the length of LCMCR's chains (the package manual's by default). Its cost
/// grows with these, not with the number of persons.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LcmcrSettings {
    #[serde(default = "default_lcmcr_burnin")]
    pub burnin: usize,
    #[serde(default = "default_lcmcr_samples")]
    pub samples: usize,
    #[serde(default = "default_lcmcr_thinning")]
    pub thinning: usize,
    #[serde(default = "default_lcmcr_chains")]
    pub chains: usize,
}

impl Default for LcmcrSettings {
    fn default() -> Self {
        LcmcrSettings {
            burnin: default_lcmcr_burnin(),
            samples: default_lcmcr_samples(),
            thinning: default_lcmcr_thinning(),
            chains: default_lcmcr_chains(),
        }
    }
}

fn default_lcmcr_burnin() -> usize {
    10_000
}

fn default_lcmcr_samples() -> usize {
    1_000
}

fn default_lcmcr_thinning() -> usize {
    100
}

fn default_lcmcr_chains() -> usize {
    4
}

fn default_strata() -> Vec<String> {
    ["sex", "age_group", "exploitation"].map(str::to_owned).to_vec()
}

fn default_min_stratum() -> u64 {
    50
}

/// `[linkage]`: how record linkage hands work to reviewers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkageSettings {
    /// The review list holds at most this many items, those whose decision could change the
    /// persons counted and the estimate most; the rest are summarised.
    #[serde(default = "default_review_limit")]
    pub review_limit: usize,
    /// Clusterings drawn from the borderline pairs' probabilities to measure how much the persons
    /// and the estimate depend on them (0: none; the interval then ignores linkage errors).
    #[serde(default = "default_uncertainty_draws")]
    pub uncertainty_draws: usize,
}

impl Default for LinkageSettings {
    fn default() -> Self {
        LinkageSettings { review_limit: default_review_limit(), uncertainty_draws: default_uncertainty_draws() }
    }
}

fn default_uncertainty_draws() -> usize {
    40
}

fn default_review_limit() -> usize {
    300
}

impl Settings {
    /// Reads and checks `DIR/palermo.toml`.
    pub fn load(dir: &Path) -> Result<Settings> {
        let path = dir.join(SETTINGS_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
        let settings: Settings =
            toml::from_str(&text).map_err(|e| Error::Settings { path: path.clone(), reason: e.to_string() })?;
        settings.check().map_err(|reason| Error::Settings { path: path.clone(), reason })?;
        settings.confine(dir).map_err(|reason| Error::Settings { path, reason })?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), String> {
        if model::Iso3::parse(&self.observatory.country).is_none() {
            return Err(format!(
                "observatory.country `{}` is not an ISO 3166-1 alpha-3 code",
                self.observatory.country
            ));
        }
        for (i, source) in self.sources.iter().enumerate() {
            if !crate::is_valid_source_name(&source.name) {
                return Err(format!("sources[{i}].name `{}` must be made of a-z, 0-9 and _", source.name));
            }
            if model::vocab::SOURCE_KIND.lookup(&source.kind).is_none() {
                return Err(format!(
                    "sources[{i}].kind `{}` is not one of: {}",
                    source.kind,
                    model::vocab::SOURCE_KIND.codes().collect::<Vec<_>>().join(", ")
                ));
            }
            if self.sources[..i].iter().any(|s| s.name == source.name) {
                return Err(format!("source `{}` is named twice", source.name));
            }
        }
        if self.disclosure.min_cell < MIN_CELL_FLOOR {
            return Err(format!(
                "disclosure.min_cell {} is below {MIN_CELL_FLOOR}: counts of one or two persons single them out, so Palermo does not publish with a lower threshold",
                self.disclosure.min_cell
            ));
        }
        if self.estimate.methods.is_empty() {
            return Err("estimate.methods is empty: name at least one estimator (e.g. \"stepwise\")".to_owned());
        }
        for name in &self.estimate.methods {
            crate::methods::MethodSpec::parse(name).map_err(|reason| format!("estimate.methods: {reason}"))?;
        }
        let l = &self.estimate.lcmcr;
        if l.samples == 0 || l.thinning == 0 || l.chains == 0 {
            return Err("estimate.lcmcr: samples, thinning and chains must be at least 1".to_owned());
        }
        for field in &self.estimate.strata {
            if !crate::strata::is_stratifying_field(field) {
                return Err(format!(
                    "estimate.strata: `{field}` is not a field persons can be split by (one of: {})",
                    crate::strata::stratifying_fields().join(", ")
                ));
            }
        }
        let p = &self.publish;
        if !(p.epsilon_budget.is_finite() && p.epsilon_budget > 0.0) {
            return Err(format!("publish.epsilon_budget {} must be a positive number", p.epsilon_budget));
        }
        if !(p.epsilon.is_finite() && p.epsilon > 0.0) {
            return Err(format!("publish.epsilon {} must be a positive number", p.epsilon));
        }
        if let Some(e) = p.synthetic_epsilon
            && !(e.is_finite() && e > 0.0)
        {
            return Err(format!("publish.synthetic_epsilon {e} must be a positive number"));
        }
        if !disclosure::rounding::BASES.contains(&p.rounding_base) {
            return Err(format!("publish.rounding_base {} must be 3 or 5", p.rounding_base));
        }
        if self.disclosure.protection == Some(0) {
            return Err("disclosure.protection 0 would let an attacker recompute a suppressed count: give 1 or more (the default is min_cell - 1)".to_owned());
        }
        if let Some(e) = &self.encoding
            && !(e.threshold > 0.0 && e.threshold <= 1.0)
        {
            return Err(format!("encoding.threshold {} must be in (0, 1]", e.threshold));
        }
        Ok(())
    }

    /// Every file the settings name, by key.
    fn files(&self) -> Vec<(String, &Path)> {
        let mut files = Vec::new();
        for (i, source) in self.sources.iter().enumerate() {
            files.push((format!("sources[{i}].file"), source.file.as_path()));
            files.push((format!("sources[{i}].mapping"), source.mapping.as_path()));
            if let Some(e) = &source.encodings {
                files.push((format!("sources[{i}].encodings"), e.as_path()));
            }
        }
        if let Some(p) = &self.population {
            files.push(("population.file".to_owned(), p.file.as_path()));
        }
        if let Some(e) = &self.encoding {
            files.push(("encoding.schema".to_owned(), e.schema.as_path()));
            files.push(("encoding.secret_file".to_owned(), e.secret_file.as_path()));
        }
        if let Some(m) = &self.monitor {
            files.push(("monitor.data".to_owned(), m.data.as_path()));
            if let Some(r) = &m.replies {
                files.push(("monitor.replies".to_owned(), r.as_path()));
            }
        }
        files
    }

    /// Refuses files outside the observatory folder `dir` (after resolving `..` and symbolic
    /// links), unless `[observatory] read_outside` allows them; those are then logged.
    fn confine(&self, dir: &Path) -> Result<(), String> {
        let root = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
        for (key, file) in self.files() {
            let joined = root.join(file);
            let resolved = std::fs::canonicalize(&joined).unwrap_or_else(|_| lexical(&joined));
            if resolved.starts_with(&root) {
                continue;
            }
            if !self.observatory.read_outside {
                return Err(format!(
                    "{key} `{}` is outside the observatory folder; set [observatory] read_outside = true to read files from elsewhere",
                    file.display()
                ));
            }
            tracing::warn!(key = key.as_str(), path = %resolved.display(), "reading a file outside the observatory folder");
        }
        Ok(())
    }

    /// The source of this name.
    pub fn source(&self, name: &str) -> Option<&SourceSettings> {
        self.sources.iter().find(|s| s.name == name)
    }
}

/// `path` with `.` and `..` resolved without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The settings file of a new, empty observatory.
pub fn template(name: &str, country: &str) -> String {
    format!(
        r#"# Palermo observatory settings. Every section and key of this file, and the format of the
# mappings (every field, its type and vocabulary), are described in docs/mapping.md of Palermo's
# sources. `palermo mapping suggest FILE` writes a first mapping for a new agency's file.
[observatory]
name = "{name}"
country = "{country}"      # ISO 3166-1 alpha-3
# years = [2020, 2024]     # reference years, inclusive
seed = 2008                # seed of every random step: same inputs and seed, same outputs
# read_outside = true      # allow files outside this folder (each is then named in the log)

# One [[sources]] block per agency list:
# [[sources]]
# name = "police"          # short id: a-z, 0-9, _
# kind = "police"          # police, prosecution, court, immigration, labour_inspection, ngo, shelter, hotline, social_services
# file = "data/police.csv"
# mapping = "mappings/police.toml"   # column → field, recodings, date formats, constants (docs/mapping.md)

# [population]             # for SDG 16.2.2 rates per 100,000
# file = "data/population.csv"   # columns: year,sex,age_group,population

[disclosure]
min_cell = 5               # published counts from 1 to min_cell - 1 are suppressed (3 at least)
# protection = 4           # a suppressed count x stays anywhere in [x - protection, x + protection] for an attacker (default min_cell - 1)
# cost = "log_value"       # secondary suppression minimises: cells, value (their total) or log_value

# [publish]                # `palermo publish`: releases for the public, partners and internal use
# epsilon_budget = 1.0     # total ε differentially private releases of the data may spend (kept in the ledger)
# epsilon = 0.5            # ε one differentially private release spends
# rounding_base = 3        # controlled rounding to multiples of 3 or 5
# synthetic_epsilon = 0.5  # make the synthetic file differentially private at this ε, spent from the budget (default: k-anonymous, k = 11)
# [publish.public]
# method = "suppression"   # suppression, rounding or dp
# tables = ["detected_by_year_sex", "flows"]   # which tables the audience receives (default: all)

[linkage]
review_limit = 300         # borderline pairs listed for review, those that could change the count most
uncertainty_draws = 40     # linkages drawn from the borderline pairs: their spread widens the interval

[report]
paper = "a4"               # the printed report's paper: "a4" or "letter" (US Letter)

# [encoding]               # only when some source sends encodings (CLKs) instead of names:
# schema = "encoding/schema.json"    # the clkhash v3 linkage schema the agencies encode with
# secret_file = "encoding/secret.txt"  # the agencies' shared secret; whoever runs the linkage holds it
# threshold = 0.8          # Dice similarity at or above which two encodings are one person

# [monitor]                # States' measures, scored and compiled into the report by `palermo run`
# data = "monitoring/seed" # a seed-measures folder (measures.csv, vocabulary.csv, states.csv, round.toml)
# replies = "monitoring/replies"  # optional: a folder of questionnaires (YAML/JSON) of later rounds
"#
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn files_outside_the_folder_need_read_outside() {
        let parent = tempfile::tempdir().expect("tempdir");
        let dir = parent.path().join("obs");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(parent.path().join("outside.csv"), "a\n").expect("outside file");
        for (file, allowed, ok) in [
            ("data/police.csv", false, true),
            ("../outside.csv", false, false),
            ("data/../../outside.csv", false, false),
            ("/etc/passwd", false, false),
            ("../outside.csv", true, true),
        ] {
            let text = format!(
                "[observatory]\nname = \"t\"\ncountry = \"XDL\"\nread_outside = {allowed}\n\n[[sources]]\nname = \"police\"\nkind = \"police\"\nfile = \"{file}\"\nmapping = \"mappings/police.toml\"\n"
            );
            std::fs::write(dir.join(super::SETTINGS_FILE), text).expect("write");
            let loaded = super::Settings::load(&dir);
            assert_eq!(loaded.is_ok(), ok, "{file} (read_outside = {allowed}): {:?}", loaded.err());
            if let Err(e) = loaded {
                assert!(e.to_string().contains("sources[0].file") && e.to_string().contains("outside"), "{e}");
            }
        }
    }

    #[test]
    fn disclosure_control_cannot_be_turned_off() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (min_cell, ok) in [(0, false), (2, false), (3, true), (5, true)] {
            let text = format!(
                "[observatory]\nname = \"t\"\ncountry = \"XDL\"\nseed = 1\n\n[disclosure]\nmin_cell = {min_cell}\n"
            );
            std::fs::write(dir.path().join(super::SETTINGS_FILE), text).expect("write");
            let loaded = super::Settings::load(dir.path());
            assert_eq!(loaded.is_ok(), ok, "min_cell {min_cell}: {:?}", loaded.err());
            if let Err(e) = loaded {
                assert!(e.to_string().contains("below 3"), "{e}");
            }
        }
    }
}
