//! Generic name lists for synthetic identities, and the ways agencies garble names.
//!
//! The lists hold common given and family names of several regions (each entry: the usual
//! romanisation first, then transliteration or spelling variants), ordered from the most common
//! down; names are drawn with Zipf weights, so a few names are common and most are rare, as in real
//! populations. Namesakes (same given and family name) are rarer among Europeans than among
//! Vietnamese, but more frequent than in real populations (see the namesake test). A
//! simulated person gets a random combination; none is, or is meant to be, a real person.
//! Demoland's own names are a generic European mix because Demoland is fictional.
//!
//! The lists are data, not code: `data/names/<origin>/{female,male,family}.txt` (and the Ukrainian
//! names' Cyrillic spellings in `data/names/ukrainian/cyrillic.txt`; the format is in
//! `data/names/README.md`), compiled in and parsed once, when a name of the origin is first drawn.
//! Each origin's habits (feminine endings, name order, how often agencies write a variant, how
//! concentrated the names are) stay here, next to the code that uses them.

use std::sync::LazyLock;

use rand::Rng;

/// One entry of a name list: the usual spelling, then its variants.
pub(crate) type Entry = Vec<&'static str>;

/// Names of one origin: every entry is `[usual spelling, variants…]`.
#[derive(Debug)]
pub(crate) struct NameSet {
    /// The origin's lists, parsed from its data files on first use.
    lists: LazyLock<Lists>,
    /// Family names take a feminine `-a` ending for women (Bulgarian `Ivanov`/`Ivanova`).
    pub(crate) feminine_a: bool,
    /// The person's own convention writes the family name first, so agencies often swap them.
    pub(crate) family_first: bool,
    /// How often an agency writes a transliteration/spelling variant instead of the usual form.
    pub(crate) variant_rate: f64,
    /// Zipf exponent of the given-name lists, which are ordered from the most common name down:
    /// the name of rank `r` is drawn with weight `1 / r^given_skew` (0: all equally common).
    pub(crate) given_skew: f64,
    /// Zipf exponent of the family-name list (Vietnamese names are the most concentrated: Nguyễn
    /// alone is about a third of the population).
    pub(crate) family_skew: f64,
}

/// An origin's three lists, each ordered from the most common name down.
#[derive(Debug)]
struct Lists {
    female: Vec<Entry>,
    male: Vec<Entry>,
    family: Vec<Entry>,
}

impl NameSet {
    /// Female given names, most common first.
    pub(crate) fn female(&'static self) -> &'static [Entry] {
        &self.lists.female
    }

    /// Male given names, most common first.
    pub(crate) fn male(&'static self) -> &'static [Entry] {
        &self.lists.male
    }

    /// Family names, most common first.
    pub(crate) fn family(&'static self) -> &'static [Entry] {
        &self.lists.family
    }

    /// Chance that two persons of this origin and `female`-ness share their usual given and
    /// family name: the sum of squared name frequencies, given times family.
    #[cfg(test)]
    pub(crate) fn namesake_probability(&'static self, female: bool) -> f64 {
        let given = if female { self.female() } else { self.male() };
        sum_of_squares(given.len(), self.given_skew) * sum_of_squares(self.family().len(), self.family_skew)
    }
}

/// A data file compiled in: its path under `data/names/` and its text.
macro_rules! data_file {
    ($origin:literal, $file:literal) => {
        (concat!($origin, "/", $file), include_str!(concat!("../data/names/", $origin, "/", $file)))
    };
}

/// The lists of the origin whose files are in `data/names/<origin>/`, parsed on first use.
macro_rules! lists {
    ($origin:literal) => {
        LazyLock::new(|| Lists {
            female: compiled(data_file!($origin, "female.txt")),
            male: compiled(data_file!($origin, "male.txt")),
            family: compiled(data_file!($origin, "family.txt")),
        })
    };
}

/// Why a line of a name file is refused.
#[derive(Debug, thiserror::Error, PartialEq)]
enum ListError {
    #[error("line {line}: an empty name (two commas in a row, or one at an end)")]
    EmptyName { line: usize },
    #[error("line {line}: {name:?} has spaces around it")]
    Spaces { line: usize, name: String },
    #[error("no names")]
    NoNames,
}

/// Parses a name file: one entry a line, the usual spelling first, then its variants, separated
/// by commas; blank lines and lines starting with `#` are skipped.
fn parse_list(text: &str) -> Result<Vec<Vec<&str>>, ListError> {
    let mut entries = Vec::new();
    for (idx, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let names: Vec<&str> = line.split(',').collect();
        for name in &names {
            if name.is_empty() {
                return Err(ListError::EmptyName { line: idx + 1 });
            }
            if name.trim() != *name {
                return Err(ListError::Spaces { line: idx + 1, name: (*name).to_owned() });
            }
        }
        entries.push(names);
    }
    if entries.is_empty() {
        return Err(ListError::NoNames);
    }
    Ok(entries)
}

/// Parses a compiled-in name file. Its text is part of the binary and a unit test parses every
/// file, so a refusal here is a build that skipped the tests: it panics, naming the file.
fn compiled((path, text): (&str, &'static str)) -> Vec<Entry> {
    parse_list(text).unwrap_or_else(|e| panic!("crates/sim/data/names/{path}, compiled in, is malformed: {e}"))
}

#[cfg(test)]
fn sum_of_squares(n: usize, skew: f64) -> f64 {
    let weights: Vec<f64> = (1..=n).map(|r| (r as f64).powf(-skew)).collect();
    let total: f64 = weights.iter().sum();
    weights.iter().map(|w| (w / total).powi(2)).sum()
}

/// Draws an entry of a list ordered from the most common down, rank `r` with weight `1 / r^skew`
/// (Zipf's law, which name frequencies follow closely).
pub(crate) fn pick(list: &'static [Entry], skew: f64, rng: &mut impl Rng) -> &'static [&'static str] {
    let weight = |i: usize| ((i + 1) as f64).powf(-skew);
    let total: f64 = (0..list.len()).map(weight).sum();
    let mut target = rng.random::<f64>() * total;
    for (i, entry) in list.iter().enumerate() {
        let w = weight(i);
        if target < w {
            return entry;
        }
        target -= w;
    }
    &list[list.len() - 1]
}

/// Demoland's own names: a generic European mix (Demoland is fictional), with the long tail of
/// family names a European country has.
pub(crate) static DEMOLAND: NameSet = NameSet {
    lists: lists!("demoland"),
    feminine_a: false,
    family_first: false,
    variant_rate: 0.05,
    given_skew: 0.6,
    family_skew: 0.7,
};

/// Romanian and Moldovan names.
pub(crate) static ROMANIAN: NameSet = NameSet {
    lists: lists!("romanian"),
    feminine_a: false,
    family_first: false,
    variant_rate: 0.15,
    given_skew: 0.6,
    family_skew: 0.7,
};

/// Bulgarian names (patronymic family names, feminine `-a`).
pub(crate) static BULGARIAN: NameSet = NameSet {
    lists: lists!("bulgarian"),
    feminine_a: true,
    family_first: false,
    variant_rate: 0.2,
    given_skew: 0.6,
    family_skew: 0.8,
};

/// Ukrainian names, usual romanisation first (national system of 2010).
pub(crate) static UKRAINIAN: NameSet = NameSet {
    lists: lists!("ukrainian"),
    feminine_a: false,
    family_first: false,
    variant_rate: 0.3,
    given_skew: 0.6,
    family_skew: 0.7,
};

/// Albanian names.
pub(crate) static ALBANIAN: NameSet = NameSet {
    lists: lists!("albanian"),
    feminine_a: false,
    family_first: false,
    variant_rate: 0.15,
    given_skew: 0.6,
    family_skew: 0.7,
};

/// Nigerian names (Edo, Igbo, Yoruba, Hausa).
pub(crate) static WEST_AFRICAN: NameSet = NameSet {
    lists: lists!("west_african"),
    feminine_a: false,
    family_first: false,
    variant_rate: 0.25,
    given_skew: 0.7,
    family_skew: 0.7,
};

/// Moroccan Arabic names, with the many romanisations agencies use.
pub(crate) static ARABIC: NameSet = NameSet {
    lists: lists!("arabic"),
    feminine_a: false,
    family_first: false,
    variant_rate: 0.4,
    given_skew: 0.7,
    family_skew: 0.6,
};

/// Vietnamese names: middle and given name together, and a few family names shared by most people
/// (Nguyễn alone by about a third).
pub(crate) static VIETNAMESE: NameSet = NameSet {
    lists: lists!("vietnamese"),
    feminine_a: false,
    family_first: true,
    variant_rate: 0.05,
    given_skew: 0.5,
    family_skew: 1.3,
};

/// Chinese names in pinyin (some in older romanisations).
pub(crate) static CHINESE: NameSet = NameSet {
    lists: lists!("chinese"),
    feminine_a: false,
    family_first: true,
    variant_rate: 0.1,
    given_skew: 0.5,
    family_skew: 0.9,
};

/// Thai names (family names are many: each family registers its own).
pub(crate) static THAI: NameSet = NameSet {
    lists: lists!("thai"),
    feminine_a: false,
    family_first: false,
    variant_rate: 0.3,
    given_skew: 0.5,
    family_skew: 0.3,
};

/// Filipino names.
pub(crate) static FILIPINO: NameSet = NameSet {
    lists: lists!("filipino"),
    feminine_a: false,
    family_first: false,
    variant_rate: 0.1,
    given_skew: 0.6,
    family_skew: 0.8,
};

/// Indian names (Kumar, Singh and Devi are very common).
pub(crate) static INDIAN: NameSet = NameSet {
    lists: lists!("indian"),
    feminine_a: false,
    family_first: false,
    variant_rate: 0.15,
    given_skew: 0.6,
    family_skew: 1.0,
};

/// Brazilian names (Silva and Santos are very common).
pub(crate) static BRAZILIAN: NameSet = NameSet {
    lists: lists!("brazilian"),
    feminine_a: false,
    family_first: false,
    variant_rate: 0.15,
    given_skew: 0.6,
    family_skew: 1.0,
};

/// Ukrainian names in Cyrillic script, keyed by their usual romanisation.
static CYRILLIC: LazyLock<Vec<(&str, &str)>> = LazyLock::new(|| {
    let (path, text) = data_file!("ukrainian", "cyrillic.txt");
    compiled((path, text))
        .into_iter()
        .map(|entry| match entry[..] {
            [latin, cyrillic] => (latin, cyrillic),
            _ => panic!("crates/sim/data/names/{path}, compiled in, is malformed: {entry:?} is not a pair"),
        })
        .collect()
});

/// The Cyrillic spelling of a Ukrainian name given in its usual romanisation.
pub(crate) fn cyrillic(latin: &str) -> Option<&'static str> {
    CYRILLIC.iter().find(|(l, _)| *l == latin).map(|(_, c)| *c)
}

/// Every name set (for the unit tests).
#[cfg(test)]
pub(crate) static ALL_SETS: [&NameSet; 13] = [
    &DEMOLAND,
    &ROMANIAN,
    &BULGARIAN,
    &UKRAINIAN,
    &ALBANIAN,
    &WEST_AFRICAN,
    &ARABIC,
    &VIETNAMESE,
    &CHINESE,
    &THAI,
    &FILIPINO,
    &INDIAN,
    &BRAZILIAN,
];

/// Folds one Latin letter with diacritics (incl. Vietnamese and Romanian ones) to plain ASCII.
fn fold_lower(c: char) -> Option<char> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ă' | 'ạ' | 'ả' | 'ấ' | 'ầ' | 'ẩ' | 'ẫ' | 'ậ' | 'ắ' | 'ằ' | 'ẳ' | 'ẵ'
        | 'ặ' => 'a',
        'ç' => 'c',
        'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ẹ' | 'ẻ' | 'ẽ' | 'ế' | 'ề' | 'ể' | 'ễ' | 'ệ' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ị' | 'ỉ' | 'ĩ' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ọ' | 'ỏ' | 'ố' | 'ồ' | 'ổ' | 'ỗ' | 'ộ' | 'ơ' | 'ớ' | 'ờ' | 'ở' | 'ỡ' | 'ợ' => {
            'o'
        }
        'ș' | 'ş' => 's',
        'ț' | 'ţ' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ụ' | 'ủ' | 'ũ' | 'ư' | 'ứ' | 'ừ' | 'ử' | 'ữ' | 'ự' => 'u',
        'ý' | 'ỳ' | 'ỵ' | 'ỷ' | 'ỹ' | 'ÿ' => 'y',
        _ => return None,
    })
}

/// Strips diacritics from Latin-script text; other scripts pass through unchanged.
pub(crate) fn to_ascii(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii() {
                return c;
            }
            let lower = c.to_lowercase().next().unwrap_or(c);
            match fold_lower(lower) {
                Some(f) if lower != c => f.to_ascii_uppercase(),
                Some(f) => f,
                None => c,
            }
        })
        .collect()
}

/// Encodes text as ISO 8859-1, the way a legacy system stores it: letters outside Latin-1 lose
/// their diacritics, anything else becomes `?`.
pub(crate) fn to_latin1(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(byte) => out.push(byte),
            Err(_) => {
                for f in to_ascii(&c.to_string()).chars() {
                    out.push(u8::try_from(u32::from(f)).unwrap_or(b'?'));
                }
            }
        }
    }
    out
}

/// One keyboard slip in a name: two letters swapped, one dropped, or one doubled.
pub(crate) fn typo(name: &str, rng: &mut impl Rng) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() < 3 {
        return name.to_owned();
    }
    // Slips rarely hit the first letter (people check it), so start at 1.
    let at = rng.random_range(1..chars.len() - 1);
    match rng.random_range(0..3) {
        0 if chars[at].is_alphabetic() && chars[at + 1].is_alphabetic() => chars.swap(at, at + 1),
        1 if chars[at].is_alphabetic() => {
            chars.remove(at);
        }
        _ if chars[at].is_alphabetic() => chars.insert(at, chars[at]),
        _ => {}
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn folding_covers_every_latin_name_in_the_lists() {
        for set in ALL_SETS {
            for entry in set.female().iter().chain(set.male()).chain(set.family()) {
                for name in entry {
                    let ascii = to_ascii(name);
                    assert!(ascii.is_ascii(), "name list entry {ascii:?} keeps non-ASCII letters");
                    assert!(!to_latin1(name).contains(&b'?'));
                }
            }
        }
        assert_eq!(to_ascii("Đặng Ștefan"), "Dang Stefan");
        assert_eq!(to_latin1("Çela"), vec![0xC7, b'e', b'l', b'a']);
    }

    #[test]
    fn namesakes_are_rarer_than_with_short_lists_but_not_rare() {
        // Chance that two persons of one origin and sex share a usual full name (squared name
        // frequencies, given times family). Real populations have long tails of rare names and
        // reach well under 1 in 10,000 for Europeans, about 1 in 1,000 for Vietnamese; lists of
        // common names stay above that (between 1 in 1,200 and 1 in 130 here, against 1 in 300 to
        // 1 in 120 with the former lists of ten to twenty names), so the demo keeps more namesakes
        // than real data: linkage is scored on a harder case, not an easier one.
        for set in ALL_SETS {
            for female in [true, false] {
                let p = set.namesake_probability(female);
                let bound = if set.family_skew > 1.0 { 1e-2 } else { 5e-3 };
                assert!(p < bound && p > 5e-4, "{p} namesakes per pair, female {female}");
            }
        }
        assert!(DEMOLAND.namesake_probability(true) < 1e-3);
        assert!(
            VIETNAMESE.namesake_probability(true) > ROMANIAN.namesake_probability(true),
            "Vietnamese names stay the most concentrated"
        );
    }

    #[test]
    fn common_names_are_drawn_more_often() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut counts = vec![0usize; VIETNAMESE.family().len()];
        for _ in 0..10_000 {
            let entry = pick(VIETNAMESE.family(), VIETNAMESE.family_skew, &mut rng);
            let i = VIETNAMESE.family().iter().position(|e| std::ptr::eq(e.as_slice(), entry)).expect("from the list");
            counts[i] += 1;
        }
        assert!(counts[0] > 2_500 && counts[0] < 4_500, "{}", counts[0]);
        assert!(counts[0] > counts[5] && counts[5] > counts[25]);
    }

    #[test]
    fn no_list_repeats_a_name() {
        for set in ALL_SETS {
            for list in [set.female(), set.male(), set.family()] {
                let mut seen = std::collections::BTreeSet::new();
                for entry in list {
                    assert!(seen.insert(entry[0]), "{} twice", entry[0]);
                }
            }
        }
    }

    #[test]
    fn cyrillic_exists_for_every_usual_ukrainian_spelling() {
        for entry in UKRAINIAN.female().iter().chain(UKRAINIAN.male()).chain(UKRAINIAN.family()) {
            assert!(cyrillic(entry[0]).is_some(), "no Cyrillic for list entry {}", entry[0]);
        }
    }

    #[test]
    fn every_data_file_parses_and_is_compiled_in() {
        // Parsed from the disk, so that a malformed file is named here rather than by a panic
        // when the simulator first draws a name of its origin.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/names");
        let mut files = Vec::new();
        for origin in std::fs::read_dir(&root).expect("data/names is readable") {
            let origin = origin.expect("a folder entry").path();
            if !origin.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&origin).expect("an origin's folder is readable") {
                let path = file.expect("a folder entry").path();
                let text = std::fs::read_to_string(&path).expect("a name file is UTF-8");
                if let Err(e) = parse_list(&text) {
                    panic!("{}: {e}", path.display());
                }
                files.push(path);
            }
        }
        // Every file on disk is one the sets or the Cyrillic table compile in.
        assert_eq!(files.len(), ALL_SETS.len() * 3 + 1, "{files:?}");
        for set in ALL_SETS {
            assert!(!set.female().is_empty() && !set.male().is_empty() && !set.family().is_empty());
        }
        assert_eq!(cyrillic("Olena"), Some("Олена"));
    }

    #[test]
    fn malformed_name_files_are_refused_with_the_line() {
        assert_eq!(parse_list("# header\n\nAna\nSofia,Sophia\n"), Ok(vec![vec!["Ana"], vec!["Sofia", "Sophia"]]));
        assert_eq!(parse_list("Ana\nSofia,,Sophia\n"), Err(ListError::EmptyName { line: 2 }));
        assert_eq!(parse_list("Ana,\n"), Err(ListError::EmptyName { line: 1 }));
        assert_eq!(parse_list("Sofia, Sophia\n"), Err(ListError::Spaces { line: 1, name: " Sophia".to_owned() }));
        assert_eq!(parse_list("# only a header\n"), Err(ListError::NoNames));
    }

    #[test]
    fn typos_change_length_by_at_most_one() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let t = typo("Kovalenko", &mut rng);
            assert!(t.chars().count().abs_diff(9) <= 1);
            assert!(t.starts_with('K'));
        }
    }
}
