//! Each agency's own file dialect: its column names, codes, date format, delimiter, encoding and
//! file type, the deliberately malformed rows it may contain, and the mapping (TOML, per the
//! Palermo schema) that translates the dialect back to canonical fields.
//!
//! Code tables are written once as `(canonical, file value)` pairs and serve both directions:
//! rendering a record and writing `[values.<field>]` in the mapping, so the two cannot drift.

use std::fmt::Write as _;

use crate::date::DateFormat;
use crate::detection::Agency;
use crate::observe::{Dob, Observation};
use crate::vocab::{COUNTRIES, DESTINATIONS, Form, REGIONS, Sex};

/// How a dialect's file is stored.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FileFormat {
    Csv { delimiter: u8, latin1: bool },
    Xlsx { sheet: &'static str },
    Json,
}

/// Why a deliberately malformed row must be quarantined by the importer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reason {
    /// A coded cell holds a value neither the mapping nor the schema knows.
    UnknownCode,
    /// Age outside 0..=110.
    ImpossibleAge,
    /// Identification date in 2099.
    FutureDate,
    /// A date that does not exist (30 February).
    InvalidDate,
    /// The source id of an earlier row again (the later row is the malformed one).
    DuplicateSourceId,
    /// A CSV line with fewer fields than the header.
    RaggedLine,
    /// No identification date, so no year.
    MissingRequired,
}

impl Reason {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::UnknownCode => "unknown_code",
            Self::ImpossibleAge => "impossible_age",
            Self::FutureDate => "future_date",
            Self::InvalidDate => "invalid_date",
            Self::DuplicateSourceId => "duplicate_source_id",
            Self::RaggedLine => "ragged_line",
            Self::MissingRequired => "missing_required",
        }
    }
}

type Codes = &'static [(&'static str, &'static str)];

/// A dialect: everything that differs between agencies' files.
#[derive(Debug)]
pub(crate) struct Dialect {
    pub(crate) agency: Agency,
    pub(crate) path: &'static str,
    pub(crate) format: FileFormat,
    pub(crate) date_format: DateFormat,
    pub(crate) headers: &'static [&'static str],
    /// Canonical field of each header (`None`: not mapped, reported as an ignored column).
    pub(crate) fields: &'static [Option<&'static str>],
    pub(crate) age_col: Option<usize>,
    /// A coded column and a value that no mapping knows.
    pub(crate) bad_code: (usize, &'static str),
    pub(crate) malformed: &'static [Reason],
}

pub(crate) const ID_COL: usize = 0;
pub(crate) const DATE_COL: usize = 1;

// ---------------------------------------------------------------- police (CSV, comma, UTF-8)
const POLICE_SEX: Codes = &[("female", "F"), ("male", "M")];
const POLICE_FORMS: Codes = &[
    ("sexual", "SEX"),
    ("forced_labour", "LAB"),
    ("forced_criminality", "CRIM"),
    ("forced_begging", "BEG"),
    ("forced_marriage", "MAR"),
    ("organ_removal", "ORG"),
    ("other", "OTH"),
];
const POLICE_SECTOR: Codes = &[
    ("agriculture", "AGR"),
    ("construction", "CON"),
    ("domestic_work", "DOM"),
    ("hospitality", "HOS"),
    ("manufacturing", "MAN"),
    ("fishing", "FIS"),
    ("other", "OTH"),
];
const POLICE_MEANS: Codes = &[
    ("debt_bondage", "DEBT"),
    ("threats", "THREAT"),
    ("physical_abuse", "VIOL"),
    ("sexual_abuse", "SEXVIOL"),
    ("false_promises", "DECEIT"),
    ("drugs_alcohol", "DRUGS"),
    ("deprivation", "DEPRIV"),
    ("excessive_hours", "HOURS"),
    ("withheld_documents", "DOCS"),
];
const POLICE_RECRUITER: Codes = &[
    ("intimate_partner", "PARTNER"),
    ("friend", "FRIEND"),
    ("family", "FAMILY"),
    ("employer", "EMPLOYER"),
    ("other", "OTHER"),
];
const POLICE_REFERRAL: Codes = &[
    ("labour_inspection", "LAB"),
    ("ngo", "NGO"),
    ("shelter", "SHELTER"),
    ("immigration", "IMM"),
    ("hotline", "HOTLINE"),
    ("self", "SELF"),
    ("other", "OTHER"),
];
const POLICE_ROLE: Codes = &[("victim_identified", "identified"), ("victim_presumed", "presumed")];

static POLICE: Dialect = Dialect {
    agency: Agency::Police,
    path: "data/police.csv",
    format: FileFormat::Csv { delimiter: b',', latin1: false },
    date_format: DateFormat::DaySlash,
    headers: &[
        "Case no.",
        "Date identified",
        "Status",
        "Surname",
        "First name",
        "DOB",
        "Gender",
        "Age",
        "Nationality",
        "ID document",
        "Region",
        "Country of exploitation",
        "Exploitation",
        "Sector",
        "Control means",
        "Recruiter",
        "Referred by",
        "Officer notes",
    ],
    fields: &[
        Some("source_id"),
        Some("date"),
        Some("role"),
        Some("family_name"),
        Some("given_name"),
        Some("date_of_birth"),
        Some("sex"),
        Some("age"),
        Some("citizenship"),
        Some("document_number"),
        Some("subnational_area"),
        Some("country_of_exploitation"),
        Some("exploitation"),
        Some("labour_sector"),
        Some("means_of_control"),
        Some("recruiter_relation"),
        Some("referred_by"),
        None,
    ],
    age_col: Some(7),
    bad_code: (6, "Z"),
    malformed: &[
        Reason::UnknownCode,
        Reason::ImpossibleAge,
        Reason::FutureDate,
        Reason::DuplicateSourceId,
        Reason::RaggedLine,
    ],
};

// ------------------------------------------------------- labour inspection (XLSX, one sheet)
const LABOUR_SEX: Codes = &[("female", "W"), ("male", "M")];
const LABOUR_SECTOR: Codes = &[
    ("agriculture", "A"),
    ("construction", "F"),
    ("domestic_work", "T"),
    ("hospitality", "I"),
    ("manufacturing", "C"),
    ("fishing", "A03"),
    ("other", "S"),
];
const LABOUR_FORMS: Codes = &[
    ("sexual", "sexual exploitation"),
    ("forced_labour", "forced labour"),
    ("forced_labour", "labour exploitation"),
    ("forced_criminality", "forced criminality"),
    ("forced_begging", "forced begging"),
    ("forced_marriage", "forced marriage"),
    ("organ_removal", "organ removal"),
    ("other", "other"),
];
const LABOUR_MEANS: Codes = &[
    ("debt_bondage", "debt bondage"),
    ("threats", "intimidation and threats"),
    ("physical_abuse", "physical violence"),
    ("sexual_abuse", "sexual violence"),
    ("false_promises", "deception"),
    ("drugs_alcohol", "drugs"),
    ("deprivation", "abusive living conditions"),
    ("excessive_hours", "excessive overtime"),
    ("withheld_documents", "retention of identity documents"),
];
const LABOUR_REFERRAL: Codes = &[
    ("police", "police"),
    ("ngo", "NGO"),
    ("shelter", "shelter"),
    ("immigration", "immigration"),
    ("hotline", "hotline"),
    ("self", "worker complaint"),
    ("other", "anonymous tip"),
];

static LABOUR_INSPECTION: Dialect = Dialect {
    agency: Agency::LabourInspection,
    path: "data/labour_inspection.xlsx",
    format: FileFormat::Xlsx { sheet: "Inspections" },
    date_format: DateFormat::Iso,
    headers: &[
        "Inspection ref",
        "Inspection date",
        "Worker family name",
        "Worker given name(s)",
        "Date of birth",
        "Sex",
        "Age",
        "Citizenship",
        "Passport/ID no.",
        "Region",
        "ISIC section",
        "Finding",
        "Indicators",
        "Referred by",
    ],
    fields: &[
        Some("source_id"),
        Some("date"),
        Some("family_name"),
        Some("given_name"),
        Some("date_of_birth"),
        Some("sex"),
        Some("age"),
        Some("citizenship"),
        Some("document_number"),
        Some("subnational_area"),
        Some("labour_sector"),
        Some("exploitation"),
        Some("means_of_control"),
        Some("referred_by"),
    ],
    age_col: Some(6),
    bad_code: (5, "Q"),
    malformed: &[Reason::UnknownCode, Reason::ImpossibleAge, Reason::FutureDate, Reason::DuplicateSourceId],
};

// ------------------------------------------------------ NGO (CSV, semicolon, ISO 8859-1)
const NGO_SEX: Codes = &[("female", "female"), ("male", "male"), ("unknown", "not known")];
const NGO_FORMS: Codes = &[
    ("sexual", "sexual exploitation"),
    ("forced_labour", "forced labour"),
    ("forced_criminality", "forced criminal activities"),
    ("forced_begging", "forced begging"),
    ("forced_marriage", "forced marriage"),
    ("organ_removal", "organ removal"),
    ("other", "other"),
];
const NGO_SECTOR: Codes = &[
    ("agriculture", "agriculture"),
    ("construction", "construction"),
    ("domestic_work", "domestic work"),
    ("hospitality", "hotels & restaurants"),
    ("manufacturing", "factory"),
    ("fishing", "fishing"),
    ("other", "other"),
];
const NGO_MEANS: Codes = &[
    ("debt_bondage", "debt"),
    ("threats", "threats"),
    ("physical_abuse", "violence"),
    ("sexual_abuse", "sexual violence"),
    ("false_promises", "false promises"),
    ("drugs_alcohol", "drugs/alcohol"),
    ("deprivation", "deprivation"),
    ("excessive_hours", "long hours"),
    ("withheld_documents", "documents taken"),
];
const NGO_RECRUITER: Codes = &[
    ("intimate_partner", "partner / boyfriend"),
    ("friend", "friend"),
    ("family", "family member"),
    ("employer", "employer"),
    ("other", "other"),
];
const NGO_SERVICES: Codes = &[
    ("shelter", "accommodation"),
    ("medical", "medical care"),
    ("psychological", "counselling"),
    ("legal", "legal aid"),
    ("return", "assisted return"),
    ("residence_permit", "residence permit"),
];
const NGO_REFERRAL: Codes = &[
    ("police", "police"),
    ("labour_inspection", "labour inspectorate"),
    ("shelter", "shelter"),
    ("immigration", "immigration service"),
    ("hotline", "hotline"),
    ("self", "self-referral"),
    ("other", "other"),
];

static NGO: Dialect = Dialect {
    agency: Agency::Ngo,
    path: "data/ngo.csv",
    format: FileFormat::Csv { delimiter: b';', latin1: true },
    date_format: DateFormat::DayDot,
    headers: &[
        "Client code",
        "Intake date",
        "Family name",
        "Given name",
        "Birth date",
        "Sex",
        "Age",
        "Country of origin",
        "Country of exploitation",
        "Region",
        "Type of exploitation",
        "Work sector",
        "Means of control",
        "Recruited by",
        "Services provided",
        "Referred by",
        "Consent to share data",
    ],
    fields: &[
        Some("source_id"),
        Some("date"),
        Some("family_name"),
        Some("given_name"),
        Some("date_of_birth"),
        Some("sex"),
        Some("age"),
        Some("citizenship"),
        Some("country_of_exploitation"),
        Some("subnational_area"),
        Some("exploitation"),
        Some("labour_sector"),
        Some("means_of_control"),
        Some("recruiter_relation"),
        Some("services"),
        Some("referred_by"),
        Some("consent_data_sharing"),
    ],
    age_col: Some(6),
    bad_code: (7, "Atlantis"),
    malformed: &[Reason::UnknownCode, Reason::FutureDate, Reason::DuplicateSourceId, Reason::RaggedLine],
};

// ------------------------------------------------------------- shelter (tab-separated, UTF-8)
const SHELTER_SEX: Codes = &[("unknown", "0"), ("male", "1"), ("female", "2")];
const SHELTER_FORMS: Codes = &[
    ("sexual", "1"),
    ("forced_labour", "2"),
    ("forced_criminality", "3"),
    ("forced_begging", "4"),
    ("forced_marriage", "5"),
    ("organ_removal", "6"),
    ("other", "9"),
];
const SHELTER_SERVICES: Codes = &[
    ("shelter", "SHL"),
    ("medical", "MED"),
    ("psychological", "PSY"),
    ("legal", "LEG"),
    ("return", "RET"),
    ("residence_permit", "RP"),
];
const SHELTER_REFERRAL: Codes = &[
    ("police", "POL"),
    ("labour_inspection", "LAB"),
    ("ngo", "NGO"),
    ("immigration", "IMM"),
    ("hotline", "HOT"),
    ("self", "SELF"),
    ("other", "OTH"),
];
const SHELTER_CONSENT: Codes = &[("yes", "1"), ("no", "0")];

static SHELTER: Dialect = Dialect {
    agency: Agency::Shelter,
    path: "data/shelter.tsv",
    format: FileFormat::Csv { delimiter: b'\t', latin1: false },
    date_format: DateFormat::MonthDash,
    headers: &[
        "ResidentID",
        "AdmissionDate",
        "LastName",
        "FirstName",
        "BirthDate",
        "SexCode",
        "AgeAtAdmission",
        "Citizenship",
        "ExploitationCountry",
        "Region",
        "ExploitationType",
        "ServicesReceived",
        "ReferralSource",
        "ConsentGiven",
        "IDDocument",
        "RoomNo",
    ],
    fields: &[
        Some("source_id"),
        Some("date"),
        Some("family_name"),
        Some("given_name"),
        Some("date_of_birth"),
        Some("sex"),
        Some("age"),
        Some("citizenship"),
        Some("country_of_exploitation"),
        Some("subnational_area"),
        Some("exploitation"),
        Some("services"),
        Some("referred_by"),
        Some("consent_data_sharing"),
        Some("document_number"),
        None,
    ],
    age_col: Some(6),
    bad_code: (5, "7"),
    malformed: &[Reason::UnknownCode, Reason::ImpossibleAge, Reason::InvalidDate, Reason::RaggedLine],
};

// -------------------------------------------------------------- immigration (JSON records)
const IMMIGRATION_SEX: Codes = &[("female", "F"), ("male", "M"), ("unknown", "X")];
const IMMIGRATION_FORMS: Codes = &[
    ("sexual", "sexual"),
    ("forced_labour", "labour"),
    ("forced_criminality", "criminal"),
    ("forced_begging", "begging"),
    ("forced_marriage", "marriage"),
    ("organ_removal", "organs"),
    ("other", "other"),
];
const IMMIGRATION_SERVICES: Codes = &[("residence_permit", "residence_permit"), ("return", "assisted_return")];

static IMMIGRATION: Dialect = Dialect {
    agency: Agency::Immigration,
    path: "data/immigration.json",
    format: FileFormat::Json,
    date_format: DateFormat::Iso,
    headers: &[
        "caseId",
        "encounterDate",
        "surname",
        "givenNames",
        "dateOfBirth",
        "sex",
        "age",
        "nationality",
        "travelDocument",
        "region",
        "purpose",
        "measures",
        "referredBy",
    ],
    fields: &[
        Some("source_id"),
        Some("date"),
        Some("family_name"),
        Some("given_name"),
        Some("date_of_birth"),
        Some("sex"),
        Some("age"),
        Some("citizenship"),
        Some("document_number"),
        Some("subnational_area"),
        Some("exploitation"),
        Some("services"),
        Some("referred_by"),
    ],
    age_col: Some(6),
    bad_code: (7, "ZZ"),
    malformed: &[Reason::UnknownCode, Reason::FutureDate, Reason::InvalidDate, Reason::DuplicateSourceId],
};

// ------------------------------------------------------------------ hotline (CSV, no names)
const HOTLINE_SEX: Codes = &[("female", "Woman"), ("male", "Man"), ("unknown", "Unknown")];
const HOTLINE_AGE: Codes = &[("child", "minor"), ("adult", "adult")];
const HOTLINE_FORMS: Codes = &[
    ("sexual", "sexual"),
    ("forced_labour", "labour"),
    ("forced_criminality", "crime"),
    ("forced_begging", "begging"),
    ("forced_marriage", "marriage"),
    ("organ_removal", "organ"),
    ("other", "other"),
];
const HOTLINE_CALLER: Codes = &[("self", "victim"), ("other", "third party")];

static HOTLINE: Dialect = Dialect {
    agency: Agency::Hotline,
    path: "data/hotline.csv",
    format: FileFormat::Csv { delimiter: b',', latin1: false },
    date_format: DateFormat::DaySlash,
    headers: &[
        "Call ID",
        "Call date",
        "Given initial",
        "Family initial",
        "Year of birth",
        "Gender",
        "Age group",
        "Nationality",
        "Region",
        "Exploitation",
        "Sector",
        "Caller",
    ],
    fields: &[
        Some("source_id"),
        Some("date"),
        Some("given_name"),
        Some("family_name"),
        Some("date_of_birth"),
        Some("sex"),
        Some("age_band"),
        Some("citizenship"),
        Some("subnational_area"),
        Some("exploitation"),
        Some("labour_sector"),
        Some("referred_by"),
    ],
    age_col: None,
    bad_code: (5, "Q"),
    malformed: &[Reason::UnknownCode, Reason::FutureDate, Reason::RaggedLine, Reason::MissingRequired],
};

/// The six dialects, in [`Agency::ALL`] order.
pub(crate) static DIALECTS: [&Dialect; 6] = [&POLICE, &LABOUR_INSPECTION, &NGO, &SHELTER, &IMMIGRATION, &HOTLINE];

/// The file value of a canonical code (first match), or the canonical code itself.
fn enc(codes: Codes, canonical: &'static str) -> &'static str {
    codes.iter().find(|(c, _)| *c == canonical).map_or(canonical, |(_, v)| *v)
}

fn join<'a>(items: impl Iterator<Item = &'a str>, sep: &str) -> Option<String> {
    let items: Vec<&str> = items.collect();
    (!items.is_empty()).then(|| items.join(sep))
}

fn dob_cell(dob: Dob, fmt: DateFormat) -> Option<String> {
    match dob {
        Dob::Missing => None,
        Dob::Full(d) => Some(d.format(fmt)),
        Dob::Year(y) => Some(format!("{y:04}")),
    }
}

fn sex_cell(sex: Option<Sex>, codes: Codes, unknown_as_code: bool) -> Option<String> {
    match sex {
        Some(s) => Some(enc(codes, s.code()).to_owned()),
        None if unknown_as_code => Some(enc(codes, "unknown").to_owned()),
        None => None,
    }
}

fn initial(name: Option<&str>) -> Option<String> {
    let first = crate::names::to_ascii(name?).chars().find(|c| c.is_alphabetic())?;
    Some(first.to_uppercase().collect())
}

impl Dialect {
    /// The record's cells in header order; the source id (column 0) is filled in later.
    pub(crate) fn render(&self, o: &Observation, rng: &mut impl rand::Rng) -> Vec<Option<String>> {
        let fmt = self.date_format;
        let date = Some(o.date.format(fmt));
        let iso3 = o.country.map(|c| c.iso3.to_owned());
        let region = o.region.map(|r| r.code.to_owned());
        let age = o.age.map(|a| a.to_string());
        let forms = |codes: Codes, sep: &str| join(o.forms.iter().map(|f| enc(codes, f.code())), sep);
        let sector = |codes: Codes| o.sector.map(|s| enc(codes, s.code()).to_owned());
        let means = |codes: Codes, sep: &str| join(o.means.iter().map(|m| enc(codes, m.code())), sep);
        let services = |codes: Codes, sep: &str| join(o.services.iter().map(|s| enc(codes, s.code())), sep);
        let referral = |codes: Codes| o.referred_by.map(|r| enc(codes, r).to_owned());
        match self.agency {
            Agency::Police => {
                // Many police forms print the surname in capitals.
                let family = o.family.as_ref().map(|f| if rng.random_bool(0.5) { f.to_uppercase() } else { f.clone() });
                let role = if o.presumed { "victim_presumed" } else { "victim_identified" };
                vec![
                    None,
                    date,
                    Some(enc(POLICE_ROLE, role).to_owned()),
                    family,
                    o.given.clone(),
                    dob_cell(o.dob, fmt),
                    sex_cell(o.sex, POLICE_SEX, false),
                    age,
                    iso3,
                    o.document.clone(),
                    region,
                    o.exploited_in.map(str::to_owned),
                    forms(POLICE_FORMS, "|"),
                    sector(POLICE_SECTOR),
                    means(POLICE_MEANS, "|"),
                    o.recruiter.map(|r| enc(POLICE_RECRUITER, r.code()).to_owned()),
                    referral(POLICE_REFERRAL),
                    // Free text the mapping must ignore (never personal details in the demo).
                    rng.random_bool(0.1).then(|| "see file".to_owned()),
                ]
            }
            Agency::LabourInspection => {
                let finding = join(
                    o.forms.iter().map(|f| {
                        if *f == Form::ForcedLabour && rng.random_bool(0.3) {
                            "labour exploitation"
                        } else {
                            enc(LABOUR_FORMS, f.code())
                        }
                    }),
                    "; ",
                );
                vec![
                    None,
                    date,
                    o.family.clone(),
                    o.given.clone(),
                    dob_cell(o.dob, fmt),
                    sex_cell(o.sex, LABOUR_SEX, false),
                    age,
                    iso3,
                    o.document.clone(),
                    o.region.map(|r| r.name.to_owned()),
                    sector(LABOUR_SECTOR),
                    finding,
                    means(LABOUR_MEANS, ", "),
                    referral(LABOUR_REFERRAL),
                ]
            }
            Agency::Ngo => vec![
                None,
                date,
                o.family.clone(),
                o.given.clone(),
                dob_cell(o.dob, fmt),
                sex_cell(o.sex, NGO_SEX, true),
                age,
                o.country.map(|c| c.name.to_owned()),
                o.exploited_in.map(|iso3| enc(DESTINATION_NAMES, iso3).to_owned()),
                region,
                forms(NGO_FORMS, ", "),
                sector(NGO_SECTOR),
                means(NGO_MEANS, ", "),
                o.recruiter.map(|r| enc(NGO_RECRUITER, r.code()).to_owned()),
                services(NGO_SERVICES, ", "),
                referral(NGO_REFERRAL),
                o.consent.map(|c| if c { "yes" } else { "no" }.to_owned()),
            ],
            Agency::Shelter => vec![
                None,
                date,
                o.family.clone(),
                o.given.clone(),
                dob_cell(o.dob, fmt),
                sex_cell(o.sex, SHELTER_SEX, true),
                age,
                iso3.map(|c| c.to_lowercase()),
                o.exploited_in.map(str::to_lowercase),
                region,
                forms(SHELTER_FORMS, ","),
                services(SHELTER_SERVICES, ","),
                referral(SHELTER_REFERRAL),
                o.consent.map(|c| enc(SHELTER_CONSENT, if c { "yes" } else { "no" }).to_owned()),
                o.document.clone(),
                Some(format!("{}", rng.random_range(1..=24))),
            ],
            Agency::Immigration => {
                // Names as on travel documents: capitals; some Ukrainian names were typed from
                // Cyrillic originals.
                let cyr = o.country.is_some_and(|c| c.iso3 == "UKR") && rng.random_bool(0.5);
                let name = |n: &Option<String>| {
                    n.as_ref().map(|n| match crate::names::cyrillic(n) {
                        Some(c) if cyr => c.to_owned(),
                        _ => n.to_uppercase(),
                    })
                };
                vec![
                    None,
                    date,
                    name(&o.family),
                    name(&o.given),
                    dob_cell(o.dob, fmt),
                    sex_cell(o.sex, IMMIGRATION_SEX, true),
                    age,
                    o.country.map(|c| c.iso2.to_owned()),
                    o.document.clone(),
                    region,
                    forms(IMMIGRATION_FORMS, "+"),
                    services(IMMIGRATION_SERVICES, "+"),
                    o.referred_by.map(str::to_owned),
                ]
            }
            Agency::Hotline => {
                vec![
                    None,
                    date,
                    initial(o.given.as_deref()),
                    initial(o.family.as_deref()),
                    dob_cell(o.dob, fmt),
                    sex_cell(o.sex, HOTLINE_SEX, true),
                    o.age.map(|a| enc(HOTLINE_AGE, if a < 18 { "child" } else { "adult" }).to_owned()),
                    iso3,
                    region,
                    forms(HOTLINE_FORMS, ";"),
                    o.sector.map(|s| s.code().to_owned()),
                    o.referred_by.map(|r| enc(HOTLINE_CALLER, if r == "self" { "self" } else { "other" }).to_owned()),
                ]
            }
        }
    }

    /// The source id of the `n`-th record (1-based) of `year`.
    pub(crate) fn source_id(&self, year: i32, n: usize) -> String {
        match self.agency {
            Agency::Police => format!("POL-{year}-{n:05}"),
            Agency::LabourInspection => format!("LI/{year}/{n:04}"),
            Agency::Ngo => format!("C{year}{n:04}"),
            Agency::Shelter => format!("S{year}-{n:03}"),
            Agency::Immigration => format!("IMM{year}{n:06}"),
            Agency::Hotline => format!("HL-{year}-{n:04}"),
        }
    }

    pub(crate) fn mapping_path(&self) -> String {
        format!("mappings/{}.toml", self.agency.name())
    }

    /// The mapping TOML for this dialect, following the Palermo schema contract.
    pub(crate) fn mapping(&self) -> String {
        let mut t = Toml::default();
        let a = self.agency.name();
        t.comment(&format!("Mapping of the {a} file ({}) onto the Palermo case schema.", self.path));
        t.comment("Written by `palermo demo` from a simulation; every value below is synthetic.");
        t.section("file");
        match self.format {
            FileFormat::Csv { delimiter, latin1 } => {
                t.kv("format", "csv");
                t.kv("delimiter", &char::from(delimiter).to_string());
                t.kv("encoding", if latin1 { "latin1" } else { "utf-8" });
            }
            FileFormat::Xlsx { sheet } => {
                t.kv("format", "xlsx");
                t.kv("sheet", sheet);
            }
            FileFormat::Json => t.kv("format", "json"),
        }
        t.section("columns");
        for (header, field) in self.headers.iter().zip(self.fields) {
            if let Some(field) = field {
                t.kv(header, field);
            }
        }
        t.section("dates");
        t.kv("date", self.date_format.strftime());
        if self.agency == Agency::Hotline {
            t.comment("The hotline knows at most the year of birth: partial dates (YYYY) are allowed.");
        } else {
            t.kv("date_of_birth", self.date_format.strftime());
        }
        let (multi, values): (Codes, Vec<(&str, Codes)>) = match self.agency {
            Agency::Police => (
                &[("exploitation", "|"), ("means_of_control", "|")],
                vec![
                    ("role", POLICE_ROLE),
                    ("sex", POLICE_SEX),
                    ("exploitation", POLICE_FORMS),
                    ("labour_sector", POLICE_SECTOR),
                    ("means_of_control", POLICE_MEANS),
                    ("recruiter_relation", POLICE_RECRUITER),
                    ("referred_by", POLICE_REFERRAL),
                ],
            ),
            Agency::LabourInspection => (
                &[("exploitation", ";"), ("means_of_control", ",")],
                vec![
                    ("sex", LABOUR_SEX),
                    ("subnational_area", REGION_NAMES),
                    ("labour_sector", LABOUR_SECTOR),
                    ("exploitation", LABOUR_FORMS),
                    ("means_of_control", LABOUR_MEANS),
                    ("referred_by", LABOUR_REFERRAL),
                ],
            ),
            Agency::Ngo => (
                &[("exploitation", ","), ("means_of_control", ","), ("services", ",")],
                vec![
                    ("sex", NGO_SEX),
                    ("citizenship", COUNTRY_NAMES),
                    ("country_of_exploitation", DESTINATION_NAMES),
                    ("exploitation", NGO_FORMS),
                    ("labour_sector", NGO_SECTOR),
                    ("means_of_control", NGO_MEANS),
                    ("recruiter_relation", NGO_RECRUITER),
                    ("services", NGO_SERVICES),
                    ("referred_by", NGO_REFERRAL),
                ],
            ),
            Agency::Shelter => (
                &[("exploitation", ","), ("services", ",")],
                vec![
                    ("sex", SHELTER_SEX),
                    ("exploitation", SHELTER_FORMS),
                    ("services", SHELTER_SERVICES),
                    ("referred_by", SHELTER_REFERRAL),
                    ("consent_data_sharing", SHELTER_CONSENT),
                ],
            ),
            Agency::Immigration => (
                &[("exploitation", "+"), ("services", "+")],
                vec![
                    ("sex", IMMIGRATION_SEX),
                    ("citizenship", COUNTRY_ISO2),
                    ("exploitation", IMMIGRATION_FORMS),
                    ("services", IMMIGRATION_SERVICES),
                ],
            ),
            Agency::Hotline => (
                &[("exploitation", ";")],
                vec![
                    ("sex", HOTLINE_SEX),
                    ("age_band", HOTLINE_AGE),
                    ("exploitation", HOTLINE_FORMS),
                    ("referred_by", HOTLINE_CALLER),
                ],
            ),
        };
        t.section("multi");
        for (field, sep) in multi {
            t.kv(field, sep);
        }
        for (field, codes) in values {
            let entries: Vec<_> =
                codes.iter().filter(|(canonical, value)| !canonical.eq_ignore_ascii_case(value)).collect();
            if entries.is_empty() {
                continue;
            }
            t.section(&format!("values.{field}"));
            for (canonical, value) in entries {
                t.kv(value, canonical);
            }
        }
        t.section("constants");
        let role = match self.agency {
            Agency::Police => None,
            Agency::Immigration => Some("victim_identified"),
            _ => Some("victim_presumed"),
        };
        if let Some(role) = role {
            t.kv("role", role);
        }
        // Police, NGO and shelter also meet Demolanders exploited abroad and record where.
        if matches!(self.agency, Agency::LabourInspection | Agency::Immigration | Agency::Hotline) {
            t.kv("country_of_exploitation", crate::vocab::HOME);
        }
        t.0
    }
}

/// Demoland's region names (the labour inspectorate writes names, not codes).
const REGION_NAMES: Codes = &[
    (REGIONS[0].code, REGIONS[0].name),
    (REGIONS[1].code, REGIONS[1].name),
    (REGIONS[2].code, REGIONS[2].name),
    (REGIONS[3].code, REGIONS[3].name),
    (REGIONS[4].code, REGIONS[4].name),
];

macro_rules! country_table {
    ($field:ident) => {
        &[
            (COUNTRIES[0].iso3, COUNTRIES[0].$field),
            (COUNTRIES[1].iso3, COUNTRIES[1].$field),
            (COUNTRIES[2].iso3, COUNTRIES[2].$field),
            (COUNTRIES[3].iso3, COUNTRIES[3].$field),
            (COUNTRIES[4].iso3, COUNTRIES[4].$field),
            (COUNTRIES[5].iso3, COUNTRIES[5].$field),
            (COUNTRIES[6].iso3, COUNTRIES[6].$field),
            (COUNTRIES[7].iso3, COUNTRIES[7].$field),
            (COUNTRIES[8].iso3, COUNTRIES[8].$field),
            (COUNTRIES[9].iso3, COUNTRIES[9].$field),
            (COUNTRIES[10].iso3, COUNTRIES[10].$field),
            (COUNTRIES[11].iso3, COUNTRIES[11].$field),
            (COUNTRIES[12].iso3, COUNTRIES[12].$field),
            (COUNTRIES[13].iso3, COUNTRIES[13].$field),
        ]
    };
}

/// Countries of exploitation as the NGO writes them.
const DESTINATION_NAMES: Codes = &[
    (COUNTRIES[0].iso3, COUNTRIES[0].name),
    (DESTINATIONS[0].0, DESTINATIONS[0].1),
    (DESTINATIONS[1].0, DESTINATIONS[1].1),
    (DESTINATIONS[2].0, DESTINATIONS[2].1),
    (DESTINATIONS[3].0, DESTINATIONS[3].1),
    (DESTINATIONS[4].0, DESTINATIONS[4].1),
    (DESTINATIONS[5].0, DESTINATIONS[5].1),
    (DESTINATIONS[6].0, DESTINATIONS[6].1),
];

/// Country names as the NGO writes them.
const COUNTRY_NAMES: Codes = country_table!(name);
/// ISO 3166-1 alpha-2 codes as immigration writes them.
const COUNTRY_ISO2: Codes = country_table!(iso2);

/// A tiny TOML writer: keys and strings quoted per the TOML spec, comments kept.
#[derive(Default)]
struct Toml(String);

impl Toml {
    fn comment(&mut self, text: &str) {
        let _ = writeln!(self.0, "# {text}");
    }

    fn section(&mut self, name: &str) {
        if !self.0.is_empty() {
            self.0.push('\n');
        }
        let _ = writeln!(self.0, "[{name}]");
    }

    fn kv(&mut self, key: &str, value: &str) {
        let key = if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            key.to_owned()
        } else {
            quote(key)
        };
        let _ = writeln!(self.0, "{key} = {}", quote(value));
    }
}

/// A TOML basic string.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
