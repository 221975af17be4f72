//! Which agencies meet which victims: one trait-dependent logistic detection model per agency,
//! with referral effects between some agencies (list dependence) and a shared latent visibility.
//!
//! Model, for person *i* and agency *a*:
//! `logit P(i on list a) = α_a + β_a·traits(i) + λ_a·visibility(i) + γ_a·(lists already met)`.
//! Agencies are evaluated in a fixed order (police, labour inspection, immigration, hotline, NGO,
//! shelter) so that later agencies can depend on earlier ones: police refer women to shelters
//! (positive dependence), hotline callers are passed to the NGO (positive), and people removed by
//! immigration rarely reach the NGO (negative). Trait effects make some lists barely overlap:
//! labour inspectors meet men in farms and building sites, the women's shelter almost never does;
//! the hotline hears mostly about Demolanders, immigration meets only foreigners.
//!
//! The constants were tuned so that, at the default size, about 43% of the hidden population is
//! on at least one list; a Poisson log-linear model with main effects only underestimates the
//! total by about 20% (unobserved heterogeneity), and main effects plus the three designed
//! interactions (police×shelter, NGO×hotline, NGO×immigration) come within about 10% (measured
//! over seeds 2008 and 10..=25; the integration tests check ±25% at the default seed).

use rand::Rng;

use crate::population::Person;
use crate::vocab::{Form, HOME, Sector, Sex};

/// A data-providing agency of the demo (also the order of lists in capture histories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Agency {
    Police,
    LabourInspection,
    Ngo,
    Shelter,
    Immigration,
    Hotline,
}

impl Agency {
    pub(crate) const ALL: [Agency; 6] =
        [Self::Police, Self::LabourInspection, Self::Ngo, Self::Shelter, Self::Immigration, Self::Hotline];

    /// Source name in `palermo.toml`, also its `kind` and its `referred_by` code.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Police => "police",
            Self::LabourInspection => "labour_inspection",
            Self::Ngo => "ngo",
            Self::Shelter => "shelter",
            Self::Immigration => "immigration",
            Self::Hotline => "hotline",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Decides, for one person, which lists they are on (indexed by [`Agency::index`]).
pub(crate) fn detect(person: &Person, rng: &mut impl Rng) -> [bool; 6] {
    let z = person.visibility;
    let female = person.sex == Sex::Female;
    let child = person.is_child();
    let sexual = person.has(Form::Sexual);
    let labour = person.has(Form::ForcedLabour);
    let cross_border = person.cross_border();
    // Returnees exploited abroad meet the police (through international cooperation), the NGO
    // (return and reintegration) and the shelter, never the labour inspectors, immigration control
    // or the hotline, whose work is inside Demoland.
    let abroad = person.abroad();
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let mut on = [false; 6];

    let police = -2.4 + 1.0 * flag(sexual) + 0.6 * flag(person.has(Form::ForcedCriminality))
        - 0.5 * flag(labour && !sexual)
        + 0.3 * flag(child)
        + 0.3 * flag(person.region.code == "XDL-CAP")
        - 1.2 * flag(abroad)
        + 0.5 * z;
    on[Agency::Police.index()] = rng.random_bool(sigmoid(police));

    let sector_effect = match person.sector {
        Some(Sector::Construction) => 0.5,
        Some(Sector::Agriculture) => 0.4,
        Some(Sector::Manufacturing) => 0.3,
        Some(Sector::Fishing) => 0.2,
        Some(Sector::Hospitality) | None => 0.0,
        Some(Sector::Other) => -0.5,
        // Inspectors cannot enter private homes without a warrant.
        Some(Sector::DomesticWork) => -2.0,
    };
    let labour_inspection = if abroad {
        f64::NEG_INFINITY
    } else {
        -4.6 + 3.0 * flag(labour) + sector_effect - 0.5 * flag(child) + 0.4 * z
    };
    on[Agency::LabourInspection.index()] = rng.random_bool(sigmoid(labour_inspection));

    let immigration = if person.country.iso3 != HOME {
        -2.1 - 1.5 * flag(person.country.free_movement)
            + 0.4 * flag(labour)
            + 0.5 * flag(on[Agency::Police.index()])
            + 0.3 * z
    } else {
        // Demolanders never meet immigration control in Demoland.
        f64::NEG_INFINITY
    };
    on[Agency::Immigration.index()] = rng.random_bool(sigmoid(immigration));

    let hotline = if abroad { f64::NEG_INFINITY } else { -3.4 }
        + 0.8 * flag(person.sector == Some(Sector::DomesticWork))
        + 0.8 * flag(person.has(Form::ForcedBegging))
        + 0.5 * flag(person.country.iso3 == HOME)
        + 0.4 * flag(child)
        + 0.3 * z;
    on[Agency::Hotline.index()] = rng.random_bool(sigmoid(hotline));

    let ngo = -2.6
        + 0.4 * flag(female)
        + 0.3 * flag(cross_border)
        + 0.8 * flag(abroad)
        + 1.0 * flag(on[Agency::Hotline.index()])
        - 0.8 * flag(on[Agency::Immigration.index()])
        + 0.5 * z;
    on[Agency::Ngo.index()] = rng.random_bool(sigmoid(ngo));

    let shelter = if female { -2.9 } else { -5.0 }
        + 0.3 * flag(child)
        + 0.9 * flag(sexual)
        + 1.2 * flag(on[Agency::Police.index()])
        + 0.5 * z;
    on[Agency::Shelter.index()] = rng.random_bool(sigmoid(shelter));
    on
}
