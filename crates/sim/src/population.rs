//! The hidden population: every simulated victim with their true traits and identity.
//!
//! Assumptions (all stated as the simulator's, not as facts about any country):
//! - the year of exploitation/identification grows slowly over the period (more detection later);
//! - citizenship is drawn first, then the primary form of exploitation from country-specific
//!   weights ([`crate::vocab::COUNTRIES`]), then the labour sector, sex and age given the form:
//!   women and girls dominate sexual exploitation and forced marriage, men forced labour (except
//!   domestic work); children are most of forced begging and forced marriage and about a quarter
//!   of the whole population;
//! - 8% have a second form (e.g. sexual exploitation with forced criminality);
//! - one Demolander in ten was exploited abroad (Germany, the United Kingdom, Italy, …) and is met
//!   by Demoland's agencies after return; everyone else was exploited in Demoland; cross-border
//!   means a foreign citizen or a Demolander abroad;
//! - each person has a latent "visibility" N(0, 1) that raises or lowers every agency's chance of
//!   meeting them, the unobserved heterogeneity that makes real lists positively dependent.

use rand::Rng;

use crate::date::Date;
use crate::names::{self, NameSet};
use crate::vocab::{COUNTRIES, Country, DESTINATIONS, Form, HOME, Means, REGIONS, Recruiter, Region, Sector, Sex};

/// One simulated victim.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) id: String,
    pub(crate) year: i32,
    /// The first day any agency can meet the person; every record falls within 60 days after it,
    /// inside the same calendar year.
    pub(crate) window_start: Date,
    pub(crate) sex: Sex,
    pub(crate) dob: Date,
    pub(crate) country: &'static Country,
    /// ISO3 of the country of exploitation: Demoland, or abroad for some Demolanders (returnees).
    pub(crate) exploited_in: &'static str,
    /// Primary form first.
    pub(crate) forms: Vec<Form>,
    pub(crate) sector: Option<Sector>,
    pub(crate) means: Vec<Means>,
    pub(crate) recruiter: Recruiter,
    pub(crate) region: &'static Region,
    pub(crate) given: &'static [&'static str],
    pub(crate) family: &'static [&'static str],
    pub(crate) document: Option<String>,
    pub(crate) visibility: f64,
}

impl Person {
    /// Trafficked across a border: a foreigner exploited in Demoland or a Demolander abroad.
    pub(crate) fn cross_border(&self) -> bool {
        self.country.iso3 != HOME || self.exploited_in != HOME
    }

    /// A Demolander exploited abroad and identified after return.
    pub(crate) fn abroad(&self) -> bool {
        self.exploited_in != HOME
    }

    pub(crate) fn primary(&self) -> Form {
        self.forms[0]
    }

    pub(crate) fn has(&self, form: Form) -> bool {
        self.forms.contains(&form)
    }

    /// Age on the first day of the identification window.
    pub(crate) fn age(&self) -> i32 {
        self.window_start.years_since(self.dob)
    }

    pub(crate) fn is_child(&self) -> bool {
        self.age() < 18
    }

    pub(crate) fn names(&self) -> &'static NameSet {
        self.country.names
    }
}

/// Index drawn with probability proportional to `weights` (linear scan: the lists are short).
pub(crate) fn weighted_index(rng: &mut impl Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut target = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if target < *w {
            return i;
        }
        target -= w;
    }
    // Rounding can leave `target` a hair above the last weight; the last positive one wins.
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

/// A standard normal draw (Box–Muller); enough for a latent trait.
pub(crate) fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn female_share(form: Form, sector: Option<Sector>) -> f64 {
    match form {
        Form::Sexual => 0.93,
        Form::ForcedLabour if sector == Some(Sector::DomesticWork) => 0.85,
        Form::ForcedLabour => 0.2,
        Form::ForcedCriminality => 0.3,
        Form::ForcedBegging => 0.5,
        Form::ForcedMarriage => 0.97,
        Form::OrganRemoval => 0.35,
        Form::Other => 0.55,
    }
}

fn child_share(form: Form) -> f64 {
    match form {
        Form::Sexual => 0.25,
        Form::ForcedLabour => 0.10,
        Form::ForcedCriminality => 0.45,
        Form::ForcedBegging => 0.55,
        Form::ForcedMarriage => 0.65,
        Form::OrganRemoval => 0.03,
        Form::Other => 0.20,
    }
}

fn secondary_form(primary: Form, rng: &mut impl Rng) -> Form {
    match primary {
        Form::Sexual if rng.random_bool(0.6) => Form::ForcedCriminality,
        Form::Sexual => Form::ForcedLabour,
        Form::ForcedMarriage if rng.random_bool(0.5) => Form::Sexual,
        Form::ForcedMarriage => Form::ForcedLabour,
        Form::ForcedLabour | Form::ForcedBegging => Form::ForcedCriminality,
        Form::ForcedCriminality => Form::ForcedLabour,
        Form::OrganRemoval | Form::Other => Form::ForcedLabour,
    }
}

fn sector_for(country: &Country, rng: &mut impl Rng) -> Sector {
    let mut weights = [0.24, 0.18, 0.14, 0.16, 0.14, 0.06, 0.08];
    // Domestic servitude dominates labour trafficking from the Philippines and India.
    if matches!(country.iso3, "PHL" | "IND") {
        weights[2] *= 3.0;
    }
    Sector::ALL[weighted_index(rng, &weights)]
}

fn adult_age(rng: &mut impl Rng) -> i32 {
    // CTDC-like adult bands 18-20, 21-23, 24-26, 27-29, 30-38, 39-47, 48-65.
    const BANDS: [(i32, i32, f64); 7] = [
        (18, 20, 0.17),
        (21, 23, 0.17),
        (24, 26, 0.15),
        (27, 29, 0.12),
        (30, 38, 0.22),
        (39, 47, 0.11),
        (48, 65, 0.06),
    ];
    let weights: Vec<f64> = BANDS.iter().map(|b| b.2).collect();
    let (lo, hi, _) = BANDS[weighted_index(rng, &weights)];
    rng.random_range(lo..=hi)
}

fn child_age(rng: &mut impl Rng) -> i32 {
    // Older children are far more often identified than young ones.
    let weights: Vec<f64> = (6..=17).map(|a| f64::from(a - 4)).collect();
    6 + weighted_index(rng, &weights) as i32
}

fn means_for(forms: &[Form], cross_border: bool, rng: &mut impl Rng) -> Vec<Means> {
    let sexual = forms.contains(&Form::Sexual) || forms.contains(&Form::ForcedMarriage);
    let labour = forms.contains(&Form::ForcedLabour);
    let criminal = forms.contains(&Form::ForcedCriminality);
    let candidates = [
        (
            Means::DebtBondage,
            if labour {
                0.45
            } else if sexual {
                0.3
            } else {
                0.15
            },
        ),
        (Means::Threats, 0.5),
        (Means::PhysicalAbuse, 0.3),
        (Means::SexualAbuse, if sexual { 0.5 } else { 0.05 }),
        (Means::FalsePromises, if cross_border { 0.6 } else { 0.35 }),
        (Means::DrugsAlcohol, if sexual || criminal { 0.18 } else { 0.03 }),
        (Means::Deprivation, 0.2),
        (Means::ExcessiveHours, if labour { 0.55 } else { 0.1 }),
        (Means::WithheldDocuments, if cross_border { 0.5 } else { 0.05 }),
    ];
    candidates.iter().filter(|(_, p)| rng.random_bool(*p)).map(|(m, _)| *m).collect()
}

fn recruiter_for(primary: Form, rng: &mut impl Rng) -> Recruiter {
    use Recruiter::{Employer, Family, Friend, IntimatePartner, Other};
    let table: &[(Recruiter, f64)] = match primary {
        Form::Sexual => &[(IntimatePartner, 0.35), (Friend, 0.2), (Family, 0.1), (Employer, 0.1), (Other, 0.25)],
        Form::ForcedLabour => &[(Employer, 0.45), (Friend, 0.2), (Family, 0.05), (Other, 0.3)],
        Form::ForcedMarriage => &[(Family, 0.8), (Other, 0.2)],
        Form::ForcedCriminality | Form::ForcedBegging => &[(Family, 0.35), (Friend, 0.25), (Other, 0.4)],
        Form::OrganRemoval | Form::Other => &[(Other, 0.6), (Friend, 0.2), (Family, 0.2)],
    };
    let weights: Vec<f64> = table.iter().map(|t| t.1).collect();
    table[weighted_index(rng, &weights)].0
}

fn region_for(sector: Option<Sector>, rng: &mut impl Rng) -> &'static Region {
    let mut weights: Vec<f64> = REGIONS.iter().map(|r| r.weight).collect();
    match sector {
        // Eastvale and Westhills are farmland, Southshore the port.
        Some(Sector::Agriculture) => {
            weights[2] *= 3.0;
            weights[4] *= 2.0;
        }
        Some(Sector::Fishing) => weights[3] *= 5.0,
        Some(Sector::Hospitality) => {
            weights[0] *= 1.5;
            weights[3] *= 1.5;
        }
        _ => {}
    }
    &REGIONS[weighted_index(rng, &weights)]
}

fn document_for(country: &Country, rng: &mut impl Rng) -> Option<String> {
    let share = if country.iso3 == HOME { 0.75 } else { 0.6 };
    rng.random_bool(share).then(|| format!("{}{:07}", country.iso2, rng.random_range(0..10_000_000)))
}

/// Draws the hidden population of `size` persons over `years` (inclusive).
pub(crate) fn draw_population(size: usize, years: (i32, i32), rng: &mut impl Rng) -> Vec<Person> {
    let n_years = (years.1 - years.0 + 1) as usize;
    // Identification grows by about 8% of the first year's level per year.
    let year_weights: Vec<f64> = (0..n_years).map(|i| 1.0 + 0.08 * i as f64).collect();
    let country_weights: Vec<f64> = COUNTRIES.iter().map(|c| c.weight).collect();
    let width = size.to_string().len().max(5);
    (0..size)
        .map(|idx| {
            let year = years.0 + weighted_index(rng, &year_weights) as i32;
            // Day 0..=300 so that a 60-day identification window stays inside the year.
            let window_start = Date::new(year, 1, 1).add_days(rng.random_range(0..=300));
            let country = &COUNTRIES[weighted_index(rng, &country_weights)];
            let primary = Form::ALL[weighted_index(rng, &country.forms)];
            let sector = (primary == Form::ForcedLabour).then(|| sector_for(country, rng));
            let sex = if rng.random_bool(female_share(primary, sector)) { Sex::Female } else { Sex::Male };
            let age = if rng.random_bool(child_share(primary)) { child_age(rng) } else { adult_age(rng) };
            // Born between `age + 1` years and `age` years before the window opens.
            let latest_birth = window_start.shift_years(-age);
            let dob = latest_birth.add_days(-rng.random_range(0..365));
            let mut forms = vec![primary];
            if rng.random_bool(0.08) {
                let second = secondary_form(primary, rng);
                if second != primary {
                    forms.push(second);
                }
            }
            let sector = sector.or_else(|| forms.contains(&Form::ForcedLabour).then(|| sector_for(country, rng)));
            // One Demolander in ten was exploited abroad and met Demoland's agencies on return.
            let exploited_in = if country.iso3 == HOME && rng.random_bool(0.10) {
                let weights: Vec<f64> = DESTINATIONS.iter().map(|d| d.2).collect();
                DESTINATIONS[weighted_index(rng, &weights)].0
            } else {
                HOME
            };
            let means = means_for(&forms, country.iso3 != HOME || exploited_in != HOME, rng);
            let recruiter = recruiter_for(primary, rng);
            let region = region_for(sector, rng);
            let set = country.names;
            let given = names::pick(if sex == Sex::Female { set.female() } else { set.male() }, set.given_skew, rng);
            let family = names::pick(set.family(), set.family_skew, rng);
            let document = document_for(country, rng);
            let visibility = standard_normal(rng);
            Person {
                id: format!("P{:0width$}", idx + 1),
                year,
                window_start,
                sex,
                dob,
                country,
                exploited_in,
                forms,
                sector,
                means,
                recruiter,
                region,
                given,
                family,
                document,
                visibility,
            }
        })
        .collect()
}
