//! What an agency writes down about a person it met: the true traits seen through that agency's
//! habits — which fields it records, how often values are missing, and the slips its staff make
//! (name typos, spelling variants, given/family swaps, day/month swaps, wrong birth years).
//!
//! The observation is still in canonical terms; `dialects` turns it into the agency's own codes.

use rand::Rng;

use crate::date::Date;
use crate::detection::Agency;
use crate::names::{self, typo};
use crate::population::Person;
use crate::vocab::{Country, Form, Means, Recruiter, Region, Sector, Service, Sex};

/// A recorded date of birth.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dob {
    Missing,
    Full(Date),
    Year(i32),
}

/// One agency's record of one person, before it is written in the agency's dialect.
#[derive(Debug, Clone)]
pub(crate) struct Observation {
    pub(crate) date: Date,
    pub(crate) presumed: bool,
    pub(crate) given: Option<String>,
    pub(crate) family: Option<String>,
    pub(crate) dob: Dob,
    pub(crate) age: Option<i32>,
    pub(crate) sex: Option<Sex>,
    pub(crate) country: Option<&'static Country>,
    /// ISO3 of the country of exploitation.
    pub(crate) exploited_in: Option<&'static str>,
    pub(crate) region: Option<&'static Region>,
    pub(crate) forms: Vec<Form>,
    pub(crate) sector: Option<Sector>,
    pub(crate) means: Vec<Means>,
    pub(crate) recruiter: Option<Recruiter>,
    pub(crate) document: Option<String>,
    pub(crate) services: Vec<Service>,
    /// Canonical `referred_by` code.
    pub(crate) referred_by: Option<&'static str>,
    pub(crate) consent: Option<bool>,
}

/// An agency's recording habits (probabilities per record).
struct Habits {
    name_typo: f64,
    name_missing: f64,
    dob_missing: f64,
    dob_error: f64,
    age_missing: f64,
    means: f64,
    recruiter: f64,
    document: f64,
}

fn habits(agency: Agency) -> Habits {
    match agency {
        Agency::Police => Habits {
            name_typo: 0.05,
            name_missing: 0.04,
            dob_missing: 0.15,
            dob_error: 0.08,
            age_missing: 0.05,
            means: 0.7,
            recruiter: 0.6,
            document: 0.8,
        },
        Agency::LabourInspection => Habits {
            name_typo: 0.06,
            name_missing: 0.03,
            dob_missing: 0.2,
            dob_error: 0.1,
            age_missing: 0.1,
            means: 0.8,
            recruiter: 0.0,
            document: 0.6,
        },
        Agency::Ngo => Habits {
            name_typo: 0.04,
            name_missing: 0.02,
            dob_missing: 0.25,
            dob_error: 0.06,
            age_missing: 0.1,
            means: 0.8,
            recruiter: 0.7,
            document: 0.0,
        },
        Agency::Shelter => Habits {
            name_typo: 0.03,
            name_missing: 0.01,
            dob_missing: 0.1,
            dob_error: 0.05,
            age_missing: 0.02,
            means: 0.0,
            recruiter: 0.0,
            document: 0.3,
        },
        Agency::Immigration => Habits {
            name_typo: 0.02,
            name_missing: 0.0,
            dob_missing: 0.05,
            dob_error: 0.04,
            age_missing: 0.03,
            means: 0.0,
            recruiter: 0.0,
            document: 0.95,
        },
        // The hotline records no names and no documents; its "dob" is a year of birth at most.
        Agency::Hotline => Habits {
            name_typo: 0.0,
            name_missing: 0.3,
            dob_missing: 0.4,
            dob_error: 0.1,
            age_missing: 0.15,
            means: 0.3,
            recruiter: 0.0,
            document: 0.0,
        },
    }
}

fn spelled(entry: &'static [&'static str], variant_rate: f64, rng: &mut impl Rng) -> &'static str {
    if entry.len() > 1 && rng.random_bool(variant_rate) { entry[rng.random_range(1..entry.len())] } else { entry[0] }
}

fn observe_dob(dob: Date, habits: &Habits, rng: &mut impl Rng) -> Dob {
    if rng.random_bool(habits.dob_missing) {
        return Dob::Missing;
    }
    if !rng.random_bool(habits.dob_error) {
        return Dob::Full(dob);
    }
    match rng.random_range(0..3) {
        // Day and month read the wrong way round (only possible when the day is a valid month).
        0 if dob.day <= 12 && dob.day != dob.month => Dob::Full(Date::new(dob.year, dob.day, dob.month)),
        1 => Dob::Full(dob.shift_years(if rng.random_bool(0.5) { 1 } else { -1 })),
        _ => Dob::Full(dob.add_days(rng.random_range(1..=3) * if rng.random_bool(0.5) { 1 } else { -1 })),
    }
}

fn typo_document(doc: &str, rng: &mut impl Rng) -> String {
    let mut chars: Vec<char> = doc.chars().collect();
    if chars.len() > 4 {
        let at = rng.random_range(2..chars.len() - 1);
        chars.swap(at, at + 1);
    }
    chars.into_iter().collect()
}

/// Records what `agency` learns about `person` on `date`; `lists` are the person's true lists
/// (used to say who referred them).
pub(crate) fn observe(
    agency: Agency,
    person: &Person,
    date: Date,
    lists: &[bool; 6],
    rng: &mut impl Rng,
) -> Observation {
    let h = habits(agency);
    let set = person.names();

    // Names: the usual spelling or a variant, then swaps, typos and gaps.
    let mut given = spelled(person.given, set.variant_rate, rng).to_owned();
    let mut family = spelled(person.family, set.variant_rate, rng).to_owned();
    if set.feminine_a && person.sex == Sex::Female {
        family.push('a');
    }
    let swap_rate = if set.family_first { 0.25 } else { 0.03 };
    if rng.random_bool(swap_rate) {
        std::mem::swap(&mut given, &mut family);
    }
    if rng.random_bool(h.name_typo) {
        given = typo(&given, rng);
    }
    if rng.random_bool(h.name_typo) {
        family = typo(&family, rng);
    }
    // Police and labour inspectors often type on keyboards without the diacritics.
    let strip = match agency {
        Agency::Police | Agency::LabourInspection => 0.5,
        Agency::Immigration => 1.0,
        _ => 0.0,
    };
    if strip > 0.0 && rng.random_bool(strip) {
        given = names::to_ascii(&given);
        family = names::to_ascii(&family);
    }
    let given = (!rng.random_bool(h.name_missing)).then_some(given);
    let family = (!rng.random_bool(h.name_missing)).then_some(family);

    let mut dob = observe_dob(person.dob, &h, rng);
    if agency == Agency::Hotline {
        dob = match dob {
            Dob::Full(d) => Dob::Year(d.year),
            other => other,
        };
    }
    let true_age = date.years_since(person.dob);
    let age = if rng.random_bool(h.age_missing) {
        None
    } else if rng.random_bool(0.05) {
        // An estimated age, off by a year or two.
        Some((true_age + rng.random_range(-2..=2)).max(0))
    } else {
        Some(true_age)
    };

    let sex = (!rng.random_bool(0.01)).then_some(person.sex);
    let country_missing = if agency == Agency::Hotline { 0.15 } else { 0.03 };
    let country = (!rng.random_bool(country_missing)).then_some(person.country);
    let region = (!rng.random_bool(0.08)).then_some(person.region);
    let exploited_in = (!rng.random_bool(0.05)).then_some(person.exploited_in);

    let mut forms = Vec::new();
    if rng.random_bool(0.97) {
        forms.push(person.primary());
        // The hotline notes only the main concern of a call.
        if agency != Agency::Hotline {
            forms.extend(person.forms[1..].iter().filter(|_| rng.random_bool(0.6)));
        }
    }
    let sector = person.sector.filter(|_| forms.contains(&Form::ForcedLabour) && rng.random_bool(0.85));
    let means = if rng.random_bool(h.means) {
        person.means.iter().copied().filter(|_| rng.random_bool(0.7)).collect()
    } else {
        Vec::new()
    };
    let recruiter = rng.random_bool(h.recruiter).then_some(person.recruiter);
    let document = person
        .document
        .as_deref()
        .filter(|_| rng.random_bool(h.document))
        .map(|d| if rng.random_bool(0.03) { typo_document(d, rng) } else { d.to_owned() });

    let services = services_for(agency, person, rng);
    let referrers: Vec<Agency> = Agency::ALL.into_iter().filter(|a| *a != agency && lists[a.index()]).collect();
    let referred_by = if !referrers.is_empty() && rng.random_bool(0.6) {
        Some(referrers[rng.random_range(0..referrers.len())].name())
    } else if rng.random_bool(0.15) {
        None
    } else if rng.random_bool(0.5) {
        Some("self")
    } else {
        Some("other")
    };
    let consent = matches!(agency, Agency::Ngo | Agency::Shelter).then(|| rng.random_bool(0.85));
    let presumed = agency == Agency::Police && rng.random_bool(0.25);

    Observation {
        date,
        presumed,
        given,
        family,
        dob,
        age,
        sex,
        country,
        exploited_in,
        region,
        forms,
        sector,
        means,
        recruiter,
        document,
        services,
        referred_by,
        consent,
    }
}

fn services_for(agency: Agency, person: &Person, rng: &mut impl Rng) -> Vec<Service> {
    let foreign_non_free = person.cross_border() && !person.country.free_movement;
    let table: Vec<(Service, f64)> = match agency {
        Agency::Ngo => vec![
            (Service::Shelter, 0.15),
            (Service::Medical, 0.4),
            (Service::Psychological, 0.6),
            (Service::Legal, 0.5),
            (Service::Return, if person.cross_border() { 0.1 } else { 0.0 }),
        ],
        Agency::Shelter => {
            vec![(Service::Shelter, 1.0), (Service::Medical, 0.7), (Service::Psychological, 0.8), (Service::Legal, 0.3)]
        }
        Agency::Immigration => {
            vec![(Service::ResidencePermit, if foreign_non_free { 0.45 } else { 0.1 }), (Service::Return, 0.2)]
        }
        _ => Vec::new(),
    };
    table.into_iter().filter(|(_, p)| rng.random_bool(*p)).map(|(s, _)| s).collect()
}
