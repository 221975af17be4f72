//! The controlled vocabularies: statuses of a measure or of a treaty action, the eight themes
//! of section II of the report, the measure codes (imported from `vocabulary.csv`), and the
//! international instruments with the seed measure codes that say something about them.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Status of a reported measure or of a State's relation to an instrument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Party to an instrument (ratified, acceded, approved).
    Party,
    /// Signed, not yet ratified.
    Signed,
    /// Preparing ratification, acceptance or approval.
    PreparingRatification,
    /// Preparing signature.
    PreparingSignature,
    /// The State explicitly reports that it is not party (submissions only).
    NotParty,
    /// The measure exists, was done or is being carried out.
    InPlace,
    /// The measure is being prepared.
    InPreparation,
    /// The source says "established or being developed" without saying which.
    InPlaceOrInPreparation,
    /// Legislation being drafted.
    Drafting,
    /// A plan provides for the measure.
    Planned,
    /// The State recognised the need for the measure.
    RecognizedNeed,
    /// The State explicitly reports that the measure is not in place (submissions only).
    NotInPlace,
}

impl Status {
    /// Every status, in declaration order.
    pub const ALL: [Status; 12] = [
        Status::Party,
        Status::Signed,
        Status::PreparingRatification,
        Status::PreparingSignature,
        Status::NotParty,
        Status::InPlace,
        Status::InPreparation,
        Status::InPlaceOrInPreparation,
        Status::Drafting,
        Status::Planned,
        Status::RecognizedNeed,
        Status::NotInPlace,
    ];

    /// Statuses that describe a State's relation to a treaty.
    pub const TREATY: [Status; 5] =
        [Status::Party, Status::Signed, Status::PreparingRatification, Status::PreparingSignature, Status::NotParty];

    /// Statuses that describe a domestic measure.
    pub const MEASURE: [Status; 7] = [
        Status::InPlace,
        Status::InPreparation,
        Status::InPlaceOrInPreparation,
        Status::Drafting,
        Status::Planned,
        Status::RecognizedNeed,
        Status::NotInPlace,
    ];

    /// The snake_case code used in files.
    pub fn code(self) -> &'static str {
        match self {
            Status::Party => "party",
            Status::Signed => "signed",
            Status::PreparingRatification => "preparing_ratification",
            Status::PreparingSignature => "preparing_signature",
            Status::NotParty => "not_party",
            Status::InPlace => "in_place",
            Status::InPreparation => "in_preparation",
            Status::InPlaceOrInPreparation => "in_place_or_in_preparation",
            Status::Drafting => "drafting",
            Status::Planned => "planned",
            Status::RecognizedNeed => "recognized_need",
            Status::NotInPlace => "not_in_place",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    /// Whether the status says the State reported the measure as absent.
    pub fn is_negative(self) -> bool {
        matches!(self, Status::NotParty | Status::NotInPlace)
    }

    /// Words for the status, as used in tables and fallback sentences.
    pub fn words(self) -> &'static str {
        match self {
            Status::Party => "party",
            Status::Signed => "signed",
            Status::PreparingRatification => "preparing ratification",
            Status::PreparingSignature => "preparing signature",
            Status::NotParty => "not party",
            Status::InPlace => "in place",
            Status::InPreparation => "in preparation",
            Status::InPlaceOrInPreparation => "established or being developed",
            Status::Drafting => "being drafted",
            Status::Planned => "planned",
            Status::RecognizedNeed => "need recognized",
            Status::NotInPlace => "not in place",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The eight themes of section II of the report, in the report's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// A. International instruments.
    Instruments,
    /// B. Legislation and the justice system.
    LegislationJustice,
    /// C. National action plans, strategies and national coordination mechanisms.
    PlansCoordination,
    /// D. Bilateral, regional and international agreements and cooperation.
    Cooperation,
    /// E. Prevention measures, including awareness-raising, and capacity-building.
    Prevention,
    /// F. The role of the business sector and media providers.
    BusinessMedia,
    /// G. Services and support for victims.
    VictimSupport,
    /// H. Data collection and research.
    DataResearch,
}

impl Theme {
    /// All themes in report order.
    pub const ALL: [Theme; 8] = [
        Theme::Instruments,
        Theme::LegislationJustice,
        Theme::PlansCoordination,
        Theme::Cooperation,
        Theme::Prevention,
        Theme::BusinessMedia,
        Theme::VictimSupport,
        Theme::DataResearch,
    ];

    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Theme::Instruments => "instruments",
            Theme::LegislationJustice => "legislation_justice",
            Theme::PlansCoordination => "plans_coordination",
            Theme::Cooperation => "cooperation",
            Theme::Prevention => "prevention",
            Theme::BusinessMedia => "business_media",
            Theme::VictimSupport => "victim_support",
            Theme::DataResearch => "data_research",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.code() == code.trim())
    }

    /// The letter of the report's subsection.
    pub fn letter(self) -> char {
        (b'A' + Theme::ALL.iter().position(|t| *t == self).unwrap_or(0) as u8) as char
    }

    /// The heading of the report's subsection.
    pub fn heading(self) -> &'static str {
        match self {
            Theme::Instruments => "International instruments",
            Theme::LegislationJustice => "Legislation and the justice system",
            Theme::PlansCoordination => "National action plans, strategies and national coordination mechanisms",
            Theme::Cooperation => "Bilateral, regional and international agreements and cooperation",
            Theme::Prevention => "Prevention measures, including awareness-raising, and capacity-building",
            Theme::BusinessMedia => "The role of the business sector and media providers",
            Theme::VictimSupport => "Services and support for victims",
            Theme::DataResearch => "Data collection and research",
        }
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One code of the controlled vocabulary of measures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureDef {
    /// snake_case code, e.g. `nap_in_place`.
    pub code: String,
    /// Human-readable label.
    pub label: String,
    /// Section of the source report (`II.C`).
    pub section: String,
    /// Paragraphs of the source report the code comes from.
    pub paragraphs: Vec<u32>,
    /// Theme.
    pub theme: Theme,
    /// The recommendation (paragraph 58 to 63) the measure answers best.
    pub recommendation_paragraph: u32,
}

impl MeasureDef {
    /// The first source paragraph (where the report places the measure).
    pub fn paragraph(&self) -> u32 {
        self.paragraphs.first().copied().unwrap_or(0)
    }

    /// Statuses a submission may give for this measure: treaty statuses for the instruments
    /// theme, domestic-measure statuses otherwise.
    pub fn allowed_statuses(&self) -> &'static [Status] {
        if self.theme == Theme::Instruments { &Status::TREATY } else { &Status::MEASURE }
    }
}

/// The controlled vocabulary of measures, in file order (which is report order).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<MeasureDef>", into = "Vec<MeasureDef>")]
pub struct Vocabulary {
    measures: Vec<MeasureDef>,
    index: BTreeMap<String, usize>,
}

impl TryFrom<Vec<MeasureDef>> for Vocabulary {
    type Error = Error;
    fn try_from(measures: Vec<MeasureDef>) -> Result<Vocabulary> {
        Vocabulary::new(measures)
    }
}

impl From<Vocabulary> for Vec<MeasureDef> {
    fn from(vocabulary: Vocabulary) -> Vec<MeasureDef> {
        vocabulary.measures
    }
}

impl Vocabulary {
    /// Builds a vocabulary from definitions (codes must be unique).
    pub fn new(measures: Vec<MeasureDef>) -> Result<Vocabulary> {
        let mut index = BTreeMap::new();
        for (idx, m) in measures.iter().enumerate() {
            if index.insert(m.code.clone(), idx).is_some() {
                return Err(Error::InvalidValue {
                    file: "vocabulary.csv",
                    row: idx + 1,
                    column: "measure",
                    reason: format!("duplicate measure code `{}`", m.code),
                });
            }
        }
        Ok(Vocabulary { measures, index })
    }

    /// All definitions in order.
    pub fn measures(&self) -> &[MeasureDef] {
        &self.measures
    }

    /// The definition of a code.
    pub fn get(&self, code: &str) -> Option<&MeasureDef> {
        self.index.get(code).map(|&i| &self.measures[i])
    }

    /// Position of a code in the vocabulary (report order).
    pub fn position(&self, code: &str) -> Option<usize> {
        self.index.get(code).copied()
    }

    /// Parses `vocabulary.csv` (columns `measure,label,section,paragraphs,theme,recommendation_paragraph`).
    pub fn parse_csv(text: &str) -> Result<Vocabulary> {
        const FILE: &str = "vocabulary.csv";
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|source| Error::Csv { file: FILE, row: 0, source })?.clone();
        let col = |name: &'static str| {
            headers.iter().position(|h| h == name).ok_or(Error::MissingColumn { file: FILE, column: name })
        };
        let (c_code, c_label, c_section, c_paras, c_theme, c_rec) = (
            col("measure")?,
            col("label")?,
            col("section")?,
            col("paragraphs")?,
            col("theme")?,
            col("recommendation_paragraph")?,
        );
        let mut measures = Vec::new();
        for (idx, record) in reader.records().enumerate() {
            let row = idx + 1;
            let record = record.map_err(|source| Error::Csv { file: FILE, row, source })?;
            let get = |c: usize| record.get(c).unwrap_or("").trim();
            let invalid =
                |column: &'static str, reason: String| Error::InvalidValue { file: FILE, row, column, reason };
            let code = get(c_code);
            if code.is_empty() || !code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return Err(invalid("measure", format!("`{code}` is not a snake_case code")));
            }
            let paragraphs = get(c_paras)
                .split(';')
                .map(|p| p.trim().parse::<u32>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| invalid("paragraphs", "expected paragraph numbers separated by `;`".into()))?;
            let theme = Theme::parse(get(c_theme))
                .ok_or_else(|| invalid("theme", format!("unknown theme `{}`", get(c_theme))))?;
            let recommendation_paragraph: u32 =
                get(c_rec).parse().map_err(|_| invalid("recommendation_paragraph", "expected a number".into()))?;
            measures.push(MeasureDef {
                code: code.to_owned(),
                label: get(c_label).to_owned(),
                section: get(c_section).to_owned(),
                paragraphs,
                theme,
                recommendation_paragraph,
            });
        }
        Vocabulary::new(measures)
    }
}

/// International instruments whose status per State is tracked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    /// United Nations Convention against Transnational Organized Crime (2000).
    OrganizedCrimeConvention,
    /// Protocol to Prevent, Suppress and Punish Trafficking in Persons, Especially Women and Children (2000).
    TraffickingProtocol,
    /// Protocol against the Smuggling of Migrants by Land, Sea and Air (2000).
    MigrantsProtocol,
    /// Optional Protocol to the CRC on the sale of children, child prostitution and child pornography (2000).
    CrcOpsc,
    /// Optional Protocol to the Convention on the Elimination of All Forms of Discrimination against Women (1999).
    CedawOp,
    /// Council of Europe Convention on Action against Trafficking in Human Beings (2005).
    CoeTraffickingConvention,
    /// Convention for the Suppression of the Traffic in Persons and of the Exploitation of the Prostitution of Others (1949).
    #[serde(rename = "convention_1949")]
    Convention1949,
    /// Inter-American Convention on International Traffic in Minors (1994).
    InterAmericanMinorsConvention,
    /// Rome Statute of the International Criminal Court (1998).
    RomeStatute,
    /// ILO Forced Labour Convention, 1930 (No. 29).
    IloC029,
    /// ILO Worst Forms of Child Labour Convention, 1999 (No. 182).
    IloC182,
    /// Protocol of 2014 to the Forced Labour Convention, 1930.
    IloP029,
}

impl Instrument {
    /// Every instrument, in table order.
    pub const ALL: [Instrument; 12] = [
        Instrument::OrganizedCrimeConvention,
        Instrument::TraffickingProtocol,
        Instrument::MigrantsProtocol,
        Instrument::CrcOpsc,
        Instrument::CedawOp,
        Instrument::CoeTraffickingConvention,
        Instrument::Convention1949,
        Instrument::InterAmericanMinorsConvention,
        Instrument::RomeStatute,
        Instrument::IloC029,
        Instrument::IloC182,
        Instrument::IloP029,
    ];

    /// snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Instrument::OrganizedCrimeConvention => "organized_crime_convention",
            Instrument::TraffickingProtocol => "trafficking_protocol",
            Instrument::MigrantsProtocol => "migrants_protocol",
            Instrument::CrcOpsc => "crc_opsc",
            Instrument::CedawOp => "cedaw_op",
            Instrument::CoeTraffickingConvention => "coe_trafficking_convention",
            Instrument::Convention1949 => "convention_1949",
            Instrument::InterAmericanMinorsConvention => "inter_american_minors_convention",
            Instrument::RomeStatute => "rome_statute",
            Instrument::IloC029 => "ilo_c029",
            Instrument::IloC182 => "ilo_c182",
            Instrument::IloP029 => "ilo_p029",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<Instrument> {
        Instrument::ALL.into_iter().find(|i| i.code() == code.trim())
    }

    /// Short name as UN documents use it after first mention.
    pub fn short_name(self) -> &'static str {
        match self {
            Instrument::OrganizedCrimeConvention => "Organized Crime Convention",
            Instrument::TraffickingProtocol => "Trafficking Protocol",
            Instrument::MigrantsProtocol => "Migrants Protocol",
            Instrument::CrcOpsc => "CRC Optional Protocol (sale of children)",
            Instrument::CedawOp => "CEDAW Optional Protocol",
            Instrument::CoeTraffickingConvention => "Council of Europe Convention",
            Instrument::Convention1949 => "1949 Convention",
            Instrument::InterAmericanMinorsConvention => "Inter-American Convention (minors)",
            Instrument::RomeStatute => "Rome Statute",
            Instrument::IloC029 => "ILO C029",
            Instrument::IloC182 => "ILO C182",
            Instrument::IloP029 => "ILO P029",
        }
    }

    /// For a seed measure code, the instruments it speaks about. Codes that group
    /// instruments the report does not name (paragraph 5 of resolution 61/144) map to nothing,
    /// because naming them would add facts the report does not state.
    pub fn for_measure(code: &str) -> &'static [Instrument] {
        use Instrument::*;
        match code {
            "party_convention_and_both_protocols_since_2004" => {
                &[OrganizedCrimeConvention, TraffickingProtocol, MigrantsProtocol]
            }
            "party_convention_and_trafficking_protocol_since_2004" => &[OrganizedCrimeConvention, TraffickingProtocol],
            "party_convention_since_2004" | "untoc_ratification_pending" => &[OrganizedCrimeConvention],
            "party_trafficking_protocol_since_2004" | "trafficking_protocol_ratification_pending" => {
                &[TraffickingProtocol]
            }
            "party_migrants_protocol_since_2004" => &[MigrantsProtocol],
            "party_both_protocols_since_2004" => &[TraffickingProtocol, MigrantsProtocol],
            "party_crc_opsc_since_2004" | "crc_opsc_ratification_pending" => &[CrcOpsc],
            "party_cedaw_op_since_2004" => &[CedawOp],
            "coe_trafficking_convention" => &[CoeTraffickingConvention],
            "convention_1949_traffic_in_persons" => &[Convention1949],
            "inter_american_convention_traffic_minors" => &[InterAmericanMinorsConvention],
            "rome_statute_icc" => &[RomeStatute],
            _ => &[],
        }
    }
}

/// Rank of treaty statuses, strongest first, used to pick one status per State and instrument.
pub(crate) fn treaty_rank(status: Status) -> u8 {
    match status {
        Status::Party => 0,
        Status::Signed => 1,
        Status::PreparingRatification => 2,
        Status::PreparingSignature => 3,
        Status::NotParty => 5,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_the_codes() {
        for s in Status::ALL {
            assert_eq!(serde_json::to_value(s).ok(), Some(serde_json::Value::from(s.code())));
            assert_eq!(Status::parse(s.code()), Some(s));
        }
        for t in Theme::ALL {
            assert_eq!(serde_json::to_value(t).ok(), Some(serde_json::Value::from(t.code())));
        }
        for i in Instrument::ALL {
            assert_eq!(serde_json::to_value(i).ok(), Some(serde_json::Value::from(i.code())));
            assert_eq!(Instrument::parse(i.code()), Some(i));
        }
    }
}
