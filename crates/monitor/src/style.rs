//! United Nations editorial conventions used when the report is written from data: numbers
//! (words from one to nine, figures from 10, words at the start of a sentence), lists ("A, B
//! and C", no serial comma), ordering of States (UN alphabetical order) and the naming rules
//! of [`crate::country`].

use std::collections::BTreeSet;

use crate::country::{Countries, Iso3, Mention, UnStyle, countries};

const UNITS: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

/// A number in English words ("twenty-four", "one hundred and five"), for 0 to 999 999.
/// Larger numbers are returned as figures, which UN style uses for them anyway.
pub fn number_words(n: u64) -> String {
    match n {
        0..=19 => UNITS[n as usize].to_owned(),
        20..=99 => {
            let tens = TENS[(n / 10) as usize];
            if n.is_multiple_of(10) { tens.to_owned() } else { format!("{tens}-{}", UNITS[(n % 10) as usize]) }
        }
        100..=999 => {
            let head = format!("{} hundred", UNITS[(n / 100) as usize]);
            if n.is_multiple_of(100) { head } else { format!("{head} and {}", number_words(n % 100)) }
        }
        1000..=999_999 => {
            let head = format!("{} thousand", number_words(n / 1000));
            match n % 1000 {
                0 => head,
                rest @ 1..=99 => format!("{head} and {}", number_words(rest)),
                rest => format!("{head} {}", number_words(rest)),
            }
        }
        _ => n.to_string(),
    }
}

/// A count written as UN style wants it: words from one to nine, figures from 10 on, and
/// always words (capitalised) at the start of a sentence.
pub fn un_number(n: u64, sentence_start: bool) -> String {
    if sentence_start {
        capitalize(&number_words(n))
    } else if n < 10 {
        number_words(n)
    } else {
        n.to_string()
    }
}

/// Upper-cases the first character.
pub fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Joins items as English lists in UN documents: "A", "A and B", "A, B and C".
pub fn join_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Sorts States in UN alphabetical order for a document of `year` (codes unknown to the
/// built-in table go last, by code).
pub fn sort_un(states: &mut [Iso3], year: Option<i32>) {
    let table = countries();
    states.sort_by_cached_key(|iso3| match table.get(*iso3) {
        Some(country) => (0, country.un_sort_key(year)),
        None => (1, iso3.to_string()),
    });
}

/// Writes State names, remembering which States were already named so that the long form
/// ("the United Kingdom of Great Britain and Northern Ireland") is used only at the first
/// mention in running text, as the 2008 report does.
#[derive(Debug)]
pub struct Namer {
    year: Option<i32>,
    named_in_running_text: BTreeSet<Iso3>,
    table: &'static Countries,
}

impl Namer {
    /// A namer for a document written in `year`.
    pub fn new(year: Option<i32>) -> Namer {
        Namer { year, named_in_running_text: BTreeSet::new(), table: countries() }
    }

    /// The year whose names are used.
    pub fn year(&self) -> Option<i32> {
        self.year
    }

    /// The name of one State for the given context; `Running` becomes the long form at the
    /// first running-text mention.
    pub fn name(&mut self, iso3: Iso3, mention: Mention) -> String {
        let Some(country) = self.table.get(iso3) else {
            return iso3.to_string();
        };
        let mention = match mention {
            Mention::Running if country.has_long_form(self.year) && !self.named_in_running_text.contains(&iso3) => {
                Mention::RunningLong
            }
            other => other,
        };
        if mention != Mention::Bare {
            self.named_in_running_text.insert(iso3);
        }
        country.display_name(self.year, mention)
    }

    /// A list of States in the given order and context: "Albania, Argentina and Australia".
    pub fn list(&mut self, states: &[Iso3], mention: Mention) -> String {
        let names: Vec<String> = states.iter().map(|s| self.name(*s, mention)).collect();
        join_list(&names)
    }
}

/// Where `text` names exactly the given States as one list ("The Czech Republic and Norway",
/// "Luxembourg's"): the byte span of that list. Every spelling a UN text may use counts (the
/// name of `year` and today's, bare or with article, long form, capitalised). `None` when no
/// run of names joined by ", " and " and " names exactly these States (a State missing, or
/// another State in the same run).
pub fn find_state_list(text: &str, states: &[Iso3], year: Option<i32>) -> Option<(usize, usize)> {
    let mut spellings: Vec<(String, Iso3)> = Vec::new();
    for country in countries().all() {
        for y in [year, None] {
            for mention in [Mention::Bare, Mention::Running, Mention::RunningLong] {
                let name = country.display_name(y, mention);
                spellings.push((capitalize(&name), country.iso3));
                spellings.push((name, country.iso3));
            }
        }
    }
    spellings.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    let word_edge = |at: usize, before: bool| {
        let c = if before { text[..at].chars().next_back() } else { text[at..].chars().next() };
        c.is_none_or(|c| !c.is_alphanumeric())
    };
    let mut hits: Vec<(usize, usize, Iso3)> = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let hit = spellings.iter().find(|(name, _)| {
            text[pos..].starts_with(name.as_str()) && word_edge(pos, true) && word_edge(pos + name.len(), false)
        });
        match hit {
            Some((name, iso3)) => {
                hits.push((pos, pos + name.len(), *iso3));
                pos += name.len();
            }
            None => pos += text[pos..].chars().next().map_or(1, char::len_utf8),
        }
    }
    let wanted: BTreeSet<Iso3> = states.iter().copied().collect();
    let mut i = 0;
    while i < hits.len() {
        let mut j = i;
        while j + 1 < hits.len() && matches!(&text[hits[j].1..hits[j + 1].0], ", " | " and " | ", and ") {
            j += 1;
        }
        let run = &hits[i..=j];
        let named: BTreeSet<Iso3> = run.iter().map(|h| h.2).collect();
        if named == wanted && run.len() == wanted.len() {
            return Some((hits[i].0, hits[j].1));
        }
        i = j + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(number_words(24), "twenty-four");
        assert_eq!(number_words(105), "one hundred and five");
        assert_eq!(un_number(6, false), "six");
        assert_eq!(un_number(40, false), "40");
        assert_eq!(un_number(40, true), "Forty");
    }

    #[test]
    fn lists() {
        let items: Vec<String> = ["Albania", "Argentina", "Australia"].iter().map(|s| s.to_string()).collect();
        assert_eq!(join_list(&items), "Albania, Argentina and Australia");
        assert_eq!(join_list(&items[..1]), "Albania");
    }

    #[test]
    fn state_lists_in_text() {
        let iso = |s: &str| Iso3::parse(s).expect("code");
        let (cze, nor, lux) = (iso("CZE"), iso("NOR"), iso("LUX"));
        let text = "The Czech Republic and Norway conducted similar campaigns";
        assert_eq!(find_state_list(text, &[nor, cze], Some(2008)), Some((0, 29)));
        assert_eq!(find_state_list(text, &[cze], Some(2008)), None, "Norway is in the same list");
        assert_eq!(find_state_list(text, &[cze, lux], Some(2008)), None, "Luxembourg is not named");
        assert_eq!(find_state_list("Luxembourg's plan", &[lux], Some(2008)), Some((0, 10)));
        assert_eq!(find_state_list("Norway, with help, and the Czech Republic", &[cze, nor], None), None);
        let donor = "Germany supported projects in Albania and Montenegro";
        assert_eq!(find_state_list(donor, &[iso("MNE"), iso("ALB")], Some(2008)), Some((30, 52)));
    }
}
