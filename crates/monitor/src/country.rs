//! The rules for writing a State's name the way United Nations documents do, over `model`'s
//! country table (one table for the whole project: codes, names, M49 groupings, and each
//! name's article, long form and former name).
//!
//! UN editorial practice, as followed by the 2008 report of the Secretary-General:
//! - in running text some names take the article: "the Czech Republic", "the Philippines";
//! - in a bare list in parentheses the article is dropped: "(Czech Republic, Philippines)";
//! - a few names carry an article that is part of the name and is never dropped or
//!   moved: "the former Yugoslav Republic of Macedonia", which also sorts under "T";
//! - the United Kingdom and the United States are named in full ("the United Kingdom of Great
//!   Britain and Northern Ireland") at first mention and in lists of respondents;
//! - names change (Czechia 2016, North Macedonia 2019…): a document uses the name current in
//!   the year it was written, so every function that writes a name takes that year.

pub use model::country::{Countries, Country, FormerName, Iso3, countries};

/// How a name is being written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mention {
    /// In a bare list inside parentheses: no article ("(Czech Republic and Norway)").
    Bare,
    /// In running text: with article ("the Czech Republic").
    Running,
    /// In running text, in the long form where there is one (first mention, lists of
    /// respondents): "the United Kingdom of Great Britain and Northern Ireland".
    RunningLong,
}

/// UN editorial rules over a row of `model`'s country table.
pub trait UnStyle {
    /// Writes the name as a UN document of `year` would, for the given kind of mention.
    fn display_name(&self, year: Option<i32>, mention: Mention) -> String;

    /// Whether the State is one of the demo's fictional States (codes `XAA`–`XZZ`, which ISO
    /// 3166 reserves for users and never assigns to a country).
    fn is_fictional(&self) -> bool;

    /// Whether the long form differs from the running form (so a first mention matters).
    fn has_long_form(&self, year: Option<i32>) -> bool;

    /// Sort key of UN alphabetical order: the name in force, article dropped (an article that
    /// is part of the name stays, so "the former Yugoslav Republic of Macedonia" sorts under
    /// T), case and diacritics folded.
    fn un_sort_key(&self, year: Option<i32>) -> String;
}

/// The name and article in force in `year` (`None`: today's name), and whether it is today's.
fn name_in(country: &Country, year: Option<i32>) -> (&str, bool, bool) {
    match (&country.former, year) {
        (Some(former), Some(year)) if year < former.until => (&former.name, former.article, false),
        _ => (&country.name, country.article, true),
    }
}

impl UnStyle for Country {
    fn display_name(&self, year: Option<i32>, mention: Mention) -> String {
        let (name, article, current) = name_in(self, year);
        let name = match (&self.long_name, mention, current) {
            (Some(long), Mention::RunningLong, true) => long.as_str(),
            _ => name,
        };
        if article && mention != Mention::Bare { format!("the {name}") } else { name.to_owned() }
    }

    fn is_fictional(&self) -> bool {
        self.iso3.is_user_assigned()
    }

    fn has_long_form(&self, year: Option<i32>) -> bool {
        self.long_name.is_some() && name_in(self, year).2
    }

    fn un_sort_key(&self, year: Option<i32>) -> String {
        fold(name_in(self, year).0)
    }
}

/// Folds case and the Latin diacritics found in country names, for collation.
fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'Å' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            '’' => '\'',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn country(code: &str) -> &'static Country {
        let iso3 = Iso3::parse(code).and_then(|c| countries().get(c));
        match iso3 {
            Some(c) => c,
            None => panic!("{code} missing"),
        }
    }

    #[test]
    fn table_has_every_member_state() {
        assert_eq!(countries().all().iter().filter(|c| c.un_member).count(), 193);
        assert_eq!(countries().all().iter().filter(|c| !c.is_fictional()).count(), 249);
    }

    #[test]
    fn fictional_states_for_the_demo() {
        let fictional: Vec<&Country> = countries().all().iter().filter(|c| c.is_fictional()).collect();
        assert!(fictional.len() >= 8);
        assert!(fictional.iter().all(|c| !c.un_member && c.m49.is_none()));
        assert_eq!(countries().lookup("Demoland").map(|i| i.to_string()).as_deref(), Some("XDL"));
        let fenwick = country("XFE");
        assert_eq!(fenwick.display_name(None, Mention::RunningLong), "the Federated States of the Fenwick Islands");
        assert_eq!(fenwick.display_name(None, Mention::Bare), "Fenwick Islands");
    }

    #[test]
    fn names_follow_un_style_and_year() {
        let cze = country("CZE");
        assert_eq!(cze.display_name(Some(2008), Mention::Running), "the Czech Republic");
        assert_eq!(cze.display_name(Some(2008), Mention::Bare), "Czech Republic");
        assert_eq!(cze.display_name(Some(2020), Mention::Running), "Czechia");
        let mkd = country("MKD");
        assert_eq!(mkd.display_name(Some(2008), Mention::Bare), "the former Yugoslav Republic of Macedonia");
        assert_eq!(mkd.display_name(None, Mention::Running), "North Macedonia");
        assert!(mkd.un_sort_key(Some(2008)) > country("THA").un_sort_key(Some(2008)));
        let gbr = country("GBR");
        assert_eq!(
            gbr.display_name(Some(2008), Mention::RunningLong),
            "the United Kingdom of Great Britain and Northern Ireland"
        );
        assert_eq!(gbr.display_name(Some(2008), Mention::Bare), "United Kingdom");
    }
}
