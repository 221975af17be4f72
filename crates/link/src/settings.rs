//! Linkage settings: the fields and how each is compared, the blocking rules, the training rules
//! for EM, the link type and the thresholds; with defaults for person records.

/// What a field holds; decides its normalisation and its comparison levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// Given name(s). Levels: exact; the same tokens as given + family name in another order
    /// (swapped or reordered names); same phonetic key or Jaro–Winkler ≥ 0.92; Jaro–Winkler ≥ 0.8,
    /// a shared token or a matching initial; else.
    GivenName,
    /// Family name(s), particles removed. Levels as [`FieldKind::GivenName`].
    FamilyName,
    /// A date (birth date). Levels: exact, one digit or day/month swap, within 7 days, within 31
    /// days, same year or consistent partial date, within 10 years, else.
    Date,
    /// Sex. Levels: exact, else.
    Sex,
    /// A place (place of birth, city). Levels: exact, JW ≥ 0.9, else.
    Place,
    /// A postcode. Levels: exact, Damerau–Levenshtein ≤ 1, same district (all but the last three
    /// characters), same area (first two characters), else.
    Postcode,
    /// A document number. Levels: exact, DL ≤ 1, DL ≤ 2, else.
    DocumentNumber,
    /// Categorical text (citizenship, occupation, street number). Levels: exact, else.
    Category,
    /// The date of an event that every record of a person has near the same time (the date a
    /// victim was identified or registered: agencies that meet one person usually meet them within
    /// weeks of each other). Levels: same day, within 7 days, within 30 days, within 90 days,
    /// within a year (or the same year when a date is partial), else.
    EventDate,
    /// A year that a record either knows or estimated: the year of birth, from the birth date, or
    /// estimated from the age at identification (the value starts with `~`, e.g. `~1994`). It
    /// fills the gap when one record has no birth date: the comparison is null when both values
    /// are known (the birth-date field then compares them, and counting them twice would overstate
    /// the evidence). Levels: same year, one year apart, two years apart, else.
    ApproximateYear,
    /// A set of codes (forms of exploitation), separated by `|`. Levels: the same set, sets that
    /// share a code, else.
    CodeSet,
}

impl FieldKind {
    /// Labels of the non-null comparison levels, best first; the null level is not listed.
    pub fn level_labels(self) -> &'static [&'static str] {
        match self {
            FieldKind::GivenName | FieldKind::FamilyName => &[
                "exact",
                "exact after swapping given and family name",
                "phonetic or Jaro-Winkler >= 0.92",
                "Jaro-Winkler >= 0.8 or token or initial match",
                "else",
            ],
            FieldKind::Date => &[
                "exact",
                "one character or day/month swap",
                "within 7 days",
                "within 31 days",
                "same year or consistent partial date",
                "within 10 years",
                "else",
            ],
            FieldKind::Sex | FieldKind::Category => &["exact", "else"],
            FieldKind::Place => &["exact", "Jaro-Winkler >= 0.9", "else"],
            FieldKind::Postcode => &["exact", "Damerau-Levenshtein <= 1", "same district", "same area", "else"],
            FieldKind::DocumentNumber => &["exact", "Damerau-Levenshtein <= 1", "Damerau-Levenshtein <= 2", "else"],
            FieldKind::EventDate => {
                &["same day", "within 7 days", "within 30 days", "within 90 days", "within a year", "else"]
            }
            FieldKind::ApproximateYear => &["same year", "one year apart", "two years apart", "else"],
            FieldKind::CodeSet => &["same set", "a code in common", "else"],
        }
    }

    /// Number of comparison levels including the null level (level 0).
    pub fn n_levels(self) -> usize {
        self.level_labels().len() + 1
    }
}

/// One field of the records, in the order of [`LinkRecord::values`](crate::LinkRecord::values).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldSpec {
    /// Column name, used by blocking rules and in explanations.
    pub name: String,
    pub kind: FieldKind,
    /// Adjust the weight of an exact match by the value's frequency (a match on a rare name is
    /// stronger evidence than a match on a common one).
    pub term_frequency: bool,
}

impl FieldSpec {
    pub fn new(name: &str, kind: FieldKind) -> Self {
        let term_frequency = matches!(
            kind,
            FieldKind::GivenName
                | FieldKind::FamilyName
                | FieldKind::Place
                | FieldKind::Category
                | FieldKind::Postcode
                | FieldKind::CodeSet
        );
        FieldSpec { name: name.to_owned(), kind, term_frequency }
    }

    pub fn with_term_frequency(mut self, on: bool) -> Self {
        self.term_frequency = on;
        self
    }
}

/// How one field contributes to a blocking key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockKey {
    /// The normalised value.
    Exact(String),
    /// The first `n` characters of the normalised value.
    Prefix(String, usize),
    /// The phonetic code of a name field (first token).
    Phonetic(String),
    /// The year of a date field.
    Year(String),
    /// The month and day of a date field (catches wrong years).
    MonthDay(String),
    /// The two name fields as an unordered set, so that swapped given and family names block
    /// together. Arguments: given-name field, family-name field.
    NameSet(String, String),
}

impl BlockKey {
    /// Names of the fields this key reads.
    pub fn field_names(&self) -> Vec<&str> {
        match self {
            BlockKey::Exact(f)
            | BlockKey::Prefix(f, _)
            | BlockKey::Phonetic(f)
            | BlockKey::Year(f)
            | BlockKey::MonthDay(f) => {
                vec![f.as_str()]
            }
            BlockKey::NameSet(a, b) => vec![a.as_str(), b.as_str()],
        }
    }
}

/// A blocking rule: record pairs whose keys are all equal (and none missing) are compared. Rules
/// are OR-ed; a pair found by several rules is compared once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockingRule {
    pub keys: Vec<BlockKey>,
    /// When not empty, the rule only pairs records of which at least one lacks one of these
    /// fields: a wide rule meant for incomplete records (no given name, no birth date) then costs
    /// only the pairs it exists for, not every pair of its large blocks.
    pub incomplete: Vec<String>,
}

impl BlockingRule {
    pub fn new(keys: Vec<BlockKey>) -> Self {
        BlockingRule { keys, incomplete: Vec::new() }
    }

    /// A rule on the exact values of the named fields.
    pub fn on(fields: &[&str]) -> Self {
        BlockingRule::new(fields.iter().map(|f| BlockKey::Exact((*f).to_owned())).collect())
    }

    /// The same rule, pairing only records of which at least one lacks one of `fields`.
    pub fn for_incomplete(mut self, fields: &[&str]) -> Self {
        self.incomplete = fields.iter().map(|f| (*f).to_owned()).collect();
        self
    }
}

/// Which pairs are candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkType {
    /// Every pair of records, whatever their source.
    Dedupe,
    /// Only pairs of records from different sources.
    LinkOnly,
}

/// Settings of one linkage run.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkSettings {
    pub fields: Vec<FieldSpec>,
    /// Rules that generate the candidate pairs (OR-ed).
    pub blocking_rules: Vec<BlockingRule>,
    /// Rules that generate the pairs on which EM estimates m probabilities; each must use only
    /// [`BlockKey::Exact`] keys. Fields in a rule are not estimated from that rule's pairs (they
    /// agree by construction). At least two rules on disjoint fields, so that every field is
    /// estimated at least once.
    pub training_rules: Vec<BlockingRule>,
    pub link_type: LinkType,
    /// A record may be linked to at most one record of each other source (no duplicates inside a
    /// source). Turns clustering into a greedy one-to-one assignment.
    pub unique_within_source: bool,
    /// Match probability at or above which a pair links two records.
    pub match_threshold: f64,
    /// Pairs with probability in `[review_threshold, review_upper_threshold)` go to the review
    /// list; pairs below `review_threshold` are not kept in the output.
    pub review_threshold: f64,
    /// Upper end of the review band (see `review_threshold`); usually the match threshold, or
    /// above it when linked pairs that are still uncertain should be reviewed too.
    pub review_upper_threshold: f64,
    /// A cluster that falls apart when only pairs at or above this probability link is split
    /// (when it is also sparse, see [`LinkSettings::min_cluster_density`]) or flagged for review.
    pub strict_threshold: f64,
    /// Clusters of three or more records whose share of linked pairs is below this are split at
    /// the strict threshold, because chains of single links are how unrelated people get merged.
    pub min_cluster_density: f64,
    /// Number of random pairs from which u probabilities are estimated.
    pub u_sample_pairs: usize,
    /// Blocks larger than this are skipped (reported in the diagnostics), to bound work on
    /// degenerate keys such as a placeholder name.
    pub max_block_size: usize,
    pub em_max_iterations: usize,
    pub em_tolerance: f64,
    /// Seed of the random pair sample.
    pub seed: u64,
    /// Groups of fields whose agreement is weighed together, by the frequency of their combined
    /// value, instead of field by field: when every field of a group agrees exactly (or the names
    /// agree swapped), the group weighs `Σ log2 m − log2 tf(combined value)`. Names, sex and
    /// citizenship are far from independent among non-matches (a Vietnamese family name comes
    /// with a Vietnamese given name and citizenship), so adding their separate weights overstates
    /// the evidence of a shared common name many times over. The first group that applies to a
    /// pair is used.
    pub joint_frequency_groups: Vec<Vec<String>>,
    /// Fields whose agreement stratifies the u probabilities of the other fields: u is estimated
    /// separately among random pairs that agree, disagree or miss on each of them. Among
    /// non-matches of one citizenship and sex, names are much more alike than among all random
    /// pairs (co-nationals share family names and phonetic patterns; forms of exploitation follow
    /// sex), so a single u overstates the evidence of a similar name when citizenship agrees.
    pub u_conditioned_on: Vec<String>,
    /// Records sampled at most by the probe for links blocking missed (0: no probe); see
    /// [`crate::probe`].
    pub probe_sample: usize,
    /// The probe's budget of comparisons, which bounds the sample when groups are large.
    pub probe_comparisons: u64,
    /// The coarse key within which a sampled record is compared with every record.
    pub probe_keys: Vec<BlockKey>,
    /// Fields on which the probe's compared pairs must not disagree: equal, or missing on either
    /// side. A field in [`LinkSettings::probe_keys`] leaves out every record that lacks it,
    /// although such records are the ones the blocking rules miss most; here a record without
    /// it is compared with the records of every value.
    pub probe_compatible: Vec<String>,
    /// The lowest match probability of a pair the probe counts. Below the review threshold the
    /// linkage keeps no pair, yet one in twenty pairs scored 0.05 is still a person seen twice:
    /// the probe counts them at their probability.
    pub probe_threshold: f64,
}

impl LinkSettings {
    /// Default settings for person records with given name, family name, date of birth, sex,
    /// citizenship and place of birth (in this order, under these names).
    pub fn person_default() -> Self {
        let fields = vec![
            FieldSpec::new("given_name", FieldKind::GivenName),
            FieldSpec::new("family_name", FieldKind::FamilyName),
            FieldSpec::new("date_of_birth", FieldKind::Date),
            FieldSpec::new("sex", FieldKind::Sex),
            FieldSpec::new("citizenship", FieldKind::Category),
            FieldSpec::new("place_of_birth", FieldKind::Place),
        ];
        let blocking_rules =
            LinkSettings::default_person_blocking("given_name", "family_name", "date_of_birth", &["place_of_birth"]);
        // Sex and citizenship go with the names in the first training rule: namesakes in that block
        // share them (names are gendered and national), so counting their agreement as evidence
        // made EM take namesakes for matches and learn that a match's birth date often differs
        // (on the demo: m = 0.19 for "birth dates more than a month apart", 0.07 with this rule;
        // pairwise precision 0.866 → 0.889 at seed 2008).
        let training_rules = vec![
            BlockingRule::on(&["given_name", "family_name", "sex", "citizenship"]),
            BlockingRule::on(&["date_of_birth"]),
        ];
        let mut settings = LinkSettings::new(fields, blocking_rules, training_rules);
        let s = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        settings.joint_frequency_groups = vec![
            s(&["given_name", "family_name", "sex", "citizenship"]),
            s(&["given_name", "family_name", "citizenship"]),
            s(&["given_name", "family_name", "sex"]),
            s(&["given_name", "family_name"]),
            // One name missing: the other still goes with sex and citizenship.
            s(&["given_name", "sex", "citizenship"]),
            s(&["family_name", "sex", "citizenship"]),
        ];
        settings.u_conditioned_on = s(&["sex", "citizenship"]);
        settings
    }

    /// Settings with the given fields and rules and default thresholds.
    pub fn new(fields: Vec<FieldSpec>, blocking_rules: Vec<BlockingRule>, training_rules: Vec<BlockingRule>) -> Self {
        LinkSettings {
            fields,
            blocking_rules,
            training_rules,
            link_type: LinkType::Dedupe,
            unique_within_source: false,
            match_threshold: 0.95,
            review_threshold: 0.5,
            review_upper_threshold: 0.95,
            strict_threshold: 0.999,
            min_cluster_density: 0.5,
            u_sample_pairs: 1_000_000,
            max_block_size: 5_000,
            em_max_iterations: 200,
            em_tolerance: 1e-5,
            seed: 42,
            joint_frequency_groups: Vec::new(),
            u_conditioned_on: Vec::new(),
            probe_sample: 0,
            probe_comparisons: 10_000_000,
            probe_keys: Vec::new(),
            probe_compatible: Vec::new(),
            probe_threshold: 0.1,
        }
    }

    /// Blocking rules that suit person records: names (exact, phonetic, swapped), date of birth
    /// with a name, initials or place, the family name's sound with the birth year, and each
    /// name's sound with a place, so that a true pair with one badly damaged field still agrees on
    /// some rule. (Rules on a given name's sound with the birth year, and on name prefixes with
    /// day and month of birth, were dropped: on historical_50k, FEBRL3 and the scale set they
    /// added 40% of the candidate pairs and no measurable recall.)
    pub fn default_person_blocking(given: &str, family: &str, dob: &str, places: &[&str]) -> Vec<BlockingRule> {
        let s = |x: &str| x.to_owned();
        let mut rules = vec![
            BlockingRule::new(vec![BlockKey::Exact(s(given)), BlockKey::Exact(s(family))]),
            BlockingRule::new(vec![BlockKey::NameSet(s(given), s(family))]),
            BlockingRule::new(vec![BlockKey::Phonetic(s(given)), BlockKey::Phonetic(s(family))]),
            BlockingRule::new(vec![BlockKey::Exact(s(family)), BlockKey::Exact(s(dob))]),
            BlockingRule::new(vec![BlockKey::Exact(s(given)), BlockKey::Exact(s(dob))]),
            BlockingRule::new(vec![
                BlockKey::Prefix(s(given), 1),
                BlockKey::Prefix(s(family), 1),
                BlockKey::Exact(s(dob)),
            ]),
            BlockingRule::new(vec![BlockKey::Phonetic(s(family)), BlockKey::Year(s(dob))]),
        ];
        for place in places {
            rules.push(BlockingRule::new(vec![BlockKey::Exact(s(dob)), BlockKey::Exact(s(place))]));
            rules.push(BlockingRule::new(vec![BlockKey::Phonetic(s(family)), BlockKey::Exact(s(place))]));
            rules.push(BlockingRule::new(vec![BlockKey::Phonetic(s(given)), BlockKey::Exact(s(place))]));
        }
        rules
    }

    /// Index of the field with this name.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

impl Default for LinkSettings {
    fn default() -> Self {
        LinkSettings::person_default()
    }
}
