//! The simulated world's vocabulary: canonical codes (as in the Palermo case schema), the origin
//! countries with their plausible weights and forms of exploitation, and Demoland's regions.
//!
//! Weights are assumptions chosen to look like published European identification statistics
//! (e.g. Eurostat/UNODC GLOTIP country profiles: many domestic victims, then neighbouring EU
//! states, West Africa, South-East Asia), not estimates of any real country.

use crate::names::NameSet;

/// Sex of a simulated person (the schema also has `other`; the simulation draws only these two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Sex {
    Female,
    Male,
}

impl Sex {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
        }
    }
}

/// Form of exploitation (schema field `exploitation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Form {
    Sexual,
    ForcedLabour,
    ForcedCriminality,
    ForcedBegging,
    ForcedMarriage,
    OrganRemoval,
    Other,
}

impl Form {
    pub(crate) const ALL: [Form; 7] = [
        Self::Sexual,
        Self::ForcedLabour,
        Self::ForcedCriminality,
        Self::ForcedBegging,
        Self::ForcedMarriage,
        Self::OrganRemoval,
        Self::Other,
    ];

    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Sexual => "sexual",
            Self::ForcedLabour => "forced_labour",
            Self::ForcedCriminality => "forced_criminality",
            Self::ForcedBegging => "forced_begging",
            Self::ForcedMarriage => "forced_marriage",
            Self::OrganRemoval => "organ_removal",
            Self::Other => "other",
        }
    }

    /// ICCS 2015 code of trafficking in persons by purpose (0204 and its subclasses).
    pub(crate) fn iccs(self) -> &'static str {
        match self {
            Self::Sexual => "02041",
            // Forced criminality and begging are "forced labour or services" in ICCS.
            Self::ForcedLabour | Self::ForcedCriminality | Self::ForcedBegging => "02042",
            Self::OrganRemoval => "02043",
            Self::ForcedMarriage | Self::Other => "02044",
        }
    }
}

/// Labour sector of forced labour (schema field `labour_sector`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Sector {
    Agriculture,
    Construction,
    DomesticWork,
    Hospitality,
    Manufacturing,
    Fishing,
    Other,
}

impl Sector {
    pub(crate) const ALL: [Sector; 7] = [
        Self::Agriculture,
        Self::Construction,
        Self::DomesticWork,
        Self::Hospitality,
        Self::Manufacturing,
        Self::Fishing,
        Self::Other,
    ];

    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Agriculture => "agriculture",
            Self::Construction => "construction",
            Self::DomesticWork => "domestic_work",
            Self::Hospitality => "hospitality",
            Self::Manufacturing => "manufacturing",
            Self::Fishing => "fishing",
            Self::Other => "other",
        }
    }
}

/// Means of control (schema field `means_of_control`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Means {
    DebtBondage,
    Threats,
    PhysicalAbuse,
    SexualAbuse,
    FalsePromises,
    DrugsAlcohol,
    Deprivation,
    ExcessiveHours,
    WithheldDocuments,
}

impl Means {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::DebtBondage => "debt_bondage",
            Self::Threats => "threats",
            Self::PhysicalAbuse => "physical_abuse",
            Self::SexualAbuse => "sexual_abuse",
            Self::FalsePromises => "false_promises",
            Self::DrugsAlcohol => "drugs_alcohol",
            Self::Deprivation => "deprivation",
            Self::ExcessiveHours => "excessive_hours",
            Self::WithheldDocuments => "withheld_documents",
        }
    }
}

/// Relation of the recruiter to the victim (schema field `recruiter_relation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Recruiter {
    IntimatePartner,
    Friend,
    Family,
    Employer,
    Other,
}

impl Recruiter {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::IntimatePartner => "intimate_partner",
            Self::Friend => "friend",
            Self::Family => "family",
            Self::Employer => "employer",
            Self::Other => "other",
        }
    }
}

/// Services received (schema field `services`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Service {
    Shelter,
    Medical,
    Psychological,
    Legal,
    Return,
    ResidencePermit,
}

impl Service {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Shelter => "shelter",
            Self::Medical => "medical",
            Self::Psychological => "psychological",
            Self::Legal => "legal",
            Self::Return => "return",
            Self::ResidencePermit => "residence_permit",
        }
    }
}

/// A citizenship of the simulated population.
#[derive(Debug)]
pub(crate) struct Country {
    pub(crate) iso3: &'static str,
    pub(crate) iso2: &'static str,
    /// English short name, as the NGO writes it.
    pub(crate) name: &'static str,
    /// Relative share of the hidden population.
    pub(crate) weight: f64,
    /// Relative weights of the primary form, in [`Form::ALL`] order.
    pub(crate) forms: [f64; 7],
    /// Citizens of EU/EEA-like states move freely and rarely meet immigration control.
    pub(crate) free_movement: bool,
    pub(crate) names: &'static NameSet,
}

/// Demoland's own (user-assigned) ISO 3166-1 alpha-3 code.
pub(crate) const HOME: &str = "XDL";

use crate::names as n;

/// Citizenships and their weights; the first entry is Demoland itself.
pub(crate) static COUNTRIES: [Country; 14] = [
    Country {
        iso3: HOME,
        iso2: "XD",
        name: "Demoland",
        weight: 0.34,
        forms: [45.0, 25.0, 12.0, 5.0, 5.0, 0.5, 7.5],
        free_movement: true,
        names: &n::DEMOLAND,
    },
    Country {
        iso3: "ROU",
        iso2: "RO",
        name: "Romania",
        weight: 0.10,
        forms: [50.0, 30.0, 8.0, 8.0, 2.0, 0.5, 1.5],
        free_movement: true,
        names: &n::ROMANIAN,
    },
    Country {
        iso3: "BGR",
        iso2: "BG",
        name: "Bulgaria",
        weight: 0.06,
        forms: [55.0, 28.0, 6.0, 7.0, 2.0, 0.5, 1.5],
        free_movement: true,
        names: &n::BULGARIAN,
    },
    Country {
        iso3: "UKR",
        iso2: "UA",
        name: "Ukraine",
        weight: 0.07,
        forms: [45.0, 45.0, 3.0, 1.0, 1.0, 1.0, 4.0],
        free_movement: false,
        names: &n::UKRAINIAN,
    },
    Country {
        iso3: "ALB",
        iso2: "AL",
        name: "Albania",
        weight: 0.05,
        forms: [55.0, 25.0, 12.0, 1.0, 5.0, 0.0, 2.0],
        free_movement: false,
        names: &n::ALBANIAN,
    },
    Country {
        iso3: "NGA",
        iso2: "NG",
        name: "Nigeria",
        weight: 0.08,
        forms: [80.0, 12.0, 2.0, 1.0, 2.0, 1.0, 2.0],
        free_movement: false,
        names: &n::WEST_AFRICAN,
    },
    Country {
        iso3: "VNM",
        iso2: "VN",
        name: "Viet Nam",
        weight: 0.07,
        forms: [20.0, 45.0, 30.0, 0.0, 3.0, 0.0, 2.0],
        free_movement: false,
        names: &n::VIETNAMESE,
    },
    Country {
        iso3: "CHN",
        iso2: "CN",
        name: "China",
        weight: 0.04,
        forms: [40.0, 50.0, 5.0, 0.0, 2.0, 1.0, 2.0],
        free_movement: false,
        names: &n::CHINESE,
    },
    Country {
        iso3: "THA",
        iso2: "TH",
        name: "Thailand",
        weight: 0.03,
        forms: [60.0, 35.0, 1.0, 0.0, 2.0, 0.0, 2.0],
        free_movement: false,
        names: &n::THAI,
    },
    Country {
        iso3: "PHL",
        iso2: "PH",
        name: "Philippines",
        weight: 0.04,
        forms: [15.0, 80.0, 0.0, 0.0, 2.0, 0.0, 3.0],
        free_movement: false,
        names: &n::FILIPINO,
    },
    Country {
        iso3: "IND",
        iso2: "IN",
        name: "India",
        weight: 0.04,
        forms: [5.0, 85.0, 2.0, 3.0, 3.0, 1.0, 1.0],
        free_movement: false,
        names: &n::INDIAN,
    },
    Country {
        iso3: "MAR",
        iso2: "MA",
        name: "Morocco",
        weight: 0.03,
        forms: [25.0, 45.0, 20.0, 5.0, 3.0, 0.0, 2.0],
        free_movement: false,
        names: &n::ARABIC,
    },
    Country {
        iso3: "BRA",
        iso2: "BR",
        name: "Brazil",
        weight: 0.03,
        forms: [60.0, 35.0, 2.0, 0.0, 1.0, 0.0, 2.0],
        free_movement: false,
        names: &n::BRAZILIAN,
    },
    Country {
        iso3: "MDA",
        iso2: "MD",
        name: "Moldova",
        weight: 0.02,
        forms: [50.0, 35.0, 5.0, 5.0, 2.0, 2.0, 1.0],
        free_movement: false,
        names: &n::ROMANIAN,
    },
];

/// Where Demolanders exploited abroad were exploited (ISO 3166-1 alpha-3, English name, weight).
pub(crate) static DESTINATIONS: [(&str, &str, f64); 7] = [
    ("DEU", "Germany", 0.30),
    ("GBR", "United Kingdom", 0.15),
    ("ITA", "Italy", 0.15),
    ("NLD", "Netherlands", 0.10),
    ("ESP", "Spain", 0.10),
    ("ARE", "United Arab Emirates", 0.10),
    ("USA", "United States", 0.10),
];

/// A region of Demoland (schema field `subnational_area`, ISO 3166-2-like codes).
#[derive(Debug)]
pub(crate) struct Region {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) weight: f64,
}

pub(crate) static REGIONS: [Region; 5] = [
    Region { code: "XDL-CAP", name: "Capital District", weight: 0.38 },
    Region { code: "XDL-NOR", name: "Northmark", weight: 0.14 },
    Region { code: "XDL-EAS", name: "Eastvale", weight: 0.16 },
    Region { code: "XDL-SOU", name: "Southshore", weight: 0.20 },
    Region { code: "XDL-WES", name: "Westhills", weight: 0.12 },
];
