//! Controlled vocabularies: every coded field of the case schema draws its values from one of
//! these lists of codes and labels.
//!
//! The codes follow the Human Trafficking Case Data Standard (HTCDS 2.0) and the CTDC codebook
//! where those define one (exploitation forms, means of control, recruiter relation, CTDC age
//! bands), and the UNODC questionnaire's breakdowns where they do not (criminal-justice stages).
//! Two values exist for every coded field besides its vocabulary: [`UNKNOWN`] (the source recorded
//! that the value is not known) and [`NOT_RECORDED`] (the source does not record the field at all).
//! They are distinct values, never nulls.

/// The source recorded that the value is not known.
pub const UNKNOWN: &str = "unknown";
/// The source does not record this field (no column, or no value collected).
pub const NOT_RECORDED: &str = "not_recorded";

/// One code of a vocabulary and its human label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub code: &'static str,
    pub label: &'static str,
}

/// A named list of codes.
#[derive(Debug, PartialEq, Eq)]
pub struct Vocabulary {
    pub name: &'static str,
    pub terms: &'static [Term],
}

impl Vocabulary {
    /// Finds the term whose code equals `text`, ignoring case and surrounding white space;
    /// hyphens and spaces are read as underscores so that `forced labour` finds `forced_labour`.
    pub fn lookup(&self, text: &str) -> Option<&'static Term> {
        self.terms.iter().find(|t| is_code(text, t.code))
    }

    /// The label of a code, or the code itself where it is not in the list (unknown / not recorded).
    pub fn label(&self, code: &str) -> &'static str {
        match code {
            UNKNOWN => "Unknown",
            NOT_RECORDED => "Not recorded",
            _ => self.terms.iter().find(|t| t.code == code).map_or("Other", |t| t.label),
        }
    }

    /// The codes in vocabulary order.
    pub fn codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.terms.iter().map(|t| t.code)
    }
}

/// Lower-cases and maps spaces and hyphens to underscores, except inside age bands (`9-17`).
/// Whether `text` normalises to `code` (as [`normalise_code`] does), without allocating for the
/// usual case of ASCII text: this runs for every cell of an import.
pub fn is_code(text: &str, code: &str) -> bool {
    let text = text.trim();
    if !text.is_ascii() || text.starts_with(|c: char| c.is_ascii_digit()) {
        return normalise_code(text) == code;
    }
    text.len() == code.len()
        && text.bytes().zip(code.bytes()).all(|(t, c)| match t.to_ascii_lowercase() {
            b' ' | b'-' => c == b'_',
            t => t == c,
        })
}

pub fn normalise_code(text: &str) -> String {
    let trimmed = text.trim().to_lowercase();
    if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        return trimmed.replace(' ', "");
    }
    trimmed.replace([' ', '-'], "_")
}

macro_rules! vocabulary {
    ($ident:ident, $name:literal, [$(($code:literal, $label:literal)),* $(,)?]) => {
        #[doc = concat!("The `", $name, "` vocabulary.")]
        pub static $ident: Vocabulary = Vocabulary {
            name: $name,
            terms: &[$(Term { code: $code, label: $label }),*],
        };
    };
}

vocabulary!(
    ROLE,
    "role",
    [
        ("victim_identified", "Identified victim"),
        ("victim_presumed", "Presumed victim"),
        ("suspect", "Suspected trafficker"),
    ]
);

vocabulary!(SEX, "sex", [("female", "Female"), ("male", "Male"), ("other", "Other")]);

vocabulary!(
    AGE_BAND,
    "age_band",
    [
        ("0-8", "0–8"),
        ("9-17", "9–17"),
        ("18-20", "18–20"),
        ("21-23", "21–23"),
        ("24-26", "24–26"),
        ("27-29", "27–29"),
        ("30-38", "30–38"),
        ("39-47", "39–47"),
        ("48+", "48+"),
        ("child", "Child (age band not known)"),
        ("adult", "Adult (age band not known)"),
    ]
);

vocabulary!(AGE_GROUP, "age_group", [("child", "Child (under 18)"), ("adult", "Adult (18 and over)")]);

vocabulary!(
    EXPLOITATION,
    "exploitation",
    [
        ("sexual", "Sexual exploitation"),
        ("forced_labour", "Forced labour"),
        ("forced_criminality", "Forced criminal activity"),
        ("forced_begging", "Forced begging"),
        ("forced_marriage", "Forced marriage"),
        ("organ_removal", "Removal of organs"),
        ("other", "Other forms"),
    ]
);

vocabulary!(
    LABOUR_SECTOR,
    "labour_sector",
    [
        ("agriculture", "Agriculture (ISIC A01)"),
        ("construction", "Construction (ISIC F)"),
        ("domestic_work", "Domestic work (ISIC T)"),
        ("hospitality", "Hospitality (ISIC I)"),
        ("manufacturing", "Manufacturing (ISIC C)"),
        ("fishing", "Fishing (ISIC A03)"),
        ("other", "Other sector"),
    ]
);

vocabulary!(
    MEANS_OF_CONTROL,
    "means_of_control",
    [
        ("debt_bondage", "Debt bondage / withheld earnings"),
        ("threats", "Threats"),
        ("physical_abuse", "Physical abuse"),
        ("sexual_abuse", "Sexual abuse"),
        ("false_promises", "False promises"),
        ("drugs_alcohol", "Drugs or alcohol"),
        ("deprivation", "Denied basic needs"),
        ("excessive_hours", "Excessive working hours"),
        ("withheld_documents", "Withheld documents"),
        ("other", "Other means"),
    ]
);

vocabulary!(
    RECRUITER_RELATION,
    "recruiter_relation",
    [
        ("intimate_partner", "Intimate partner"),
        ("friend", "Friend"),
        ("family", "Family member"),
        ("employer", "Employer"),
        ("other", "Other"),
    ]
);

vocabulary!(CROSS_BORDER, "cross_border", [("cross_border", "Cross-border"), ("domestic", "Domestic")]);

vocabulary!(
    SERVICES,
    "services",
    [
        ("shelter", "Shelter"),
        ("medical", "Medical care"),
        ("psychological", "Psychological support"),
        ("legal", "Legal assistance"),
        ("return", "Assisted return"),
        ("residence_permit", "Residence permit"),
        ("other", "Other services"),
    ]
);

vocabulary!(
    SOURCE_KIND,
    "source_kind",
    [
        ("police", "Police"),
        ("prosecution", "Prosecution"),
        ("court", "Court"),
        ("immigration", "Immigration"),
        ("labour_inspection", "Labour inspection"),
        ("ngo", "Non-governmental organisation"),
        ("shelter", "Shelter"),
        ("hotline", "Hotline"),
        ("social_services", "Social services"),
    ]
);

vocabulary!(
    REFERRED_BY,
    "referred_by",
    [
        ("police", "Police"),
        ("prosecution", "Prosecution"),
        ("court", "Court"),
        ("immigration", "Immigration"),
        ("labour_inspection", "Labour inspection"),
        ("ngo", "Non-governmental organisation"),
        ("shelter", "Shelter"),
        ("hotline", "Hotline"),
        ("social_services", "Social services"),
        ("self", "Self-referral"),
        ("other", "Other"),
    ]
);

vocabulary!(YES_NO, "yes_no", [("yes", "Yes"), ("no", "No")]);

vocabulary!(
    JUSTICE_STAGE,
    "justice_stage",
    [
        ("investigated", "Investigated"),
        ("prosecuted", "Prosecuted"),
        ("convicted", "Convicted"),
        ("acquitted", "Acquitted"),
    ]
);

/// Maps an age in years to its CTDC band.
pub fn age_band_of(age: i64) -> &'static str {
    match age {
        i64::MIN..=8 => "0-8",
        9..=17 => "9-17",
        18..=20 => "18-20",
        21..=23 => "21-23",
        24..=26 => "24-26",
        27..=29 => "27-29",
        30..=38 => "30-38",
        39..=47 => "39-47",
        _ => "48+",
    }
}

/// The child/adult group of an age band code, or the band itself when it is unknown / not recorded.
pub fn age_group_of_band(band: &str) -> &'static str {
    match band {
        "0-8" | "9-17" | "child" => "child",
        "18-20" | "21-23" | "24-26" | "27-29" | "30-38" | "39-47" | "48+" | "adult" => "adult",
        NOT_RECORDED => NOT_RECORDED,
        _ => UNKNOWN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_code_agrees_with_normalise_code() {
        for text in [
            "Not recorded",
            " not-recorded ",
            "NOT_RECORDED",
            "notrecorded",
            "Unknown",
            "unknown ",
            "ünknown",
            "18 - 24",
            "18-24",
            "Forced labour",
            "forced_labour",
            "",
            "-",
            "not recorded.",
        ] {
            for code in [NOT_RECORDED, UNKNOWN, "18-24", "forced_labour"] {
                assert_eq!(is_code(text, code), normalise_code(text) == code, "{text:?} vs {code}");
            }
        }
    }

    #[test]
    fn lookup_is_forgiving_about_case_and_separators() {
        assert_eq!(EXPLOITATION.lookup("Forced Labour").map(|t| t.code), Some("forced_labour"));
        assert_eq!(EXPLOITATION.lookup("forced-labour").map(|t| t.code), Some("forced_labour"));
        assert_eq!(AGE_BAND.lookup(" 9 - 17").map(|t| t.code), Some("9-17"));
        assert!(SEX.lookup("w").is_none());
    }

    #[test]
    fn ages_fall_in_ctdc_bands() {
        assert_eq!(age_band_of(8), "0-8");
        assert_eq!(age_band_of(17), "9-17");
        assert_eq!(age_band_of(18), "18-20");
        assert_eq!(age_band_of(48), "48+");
        assert_eq!(age_group_of_band(age_band_of(17)), "child");
        assert_eq!(age_group_of_band(age_band_of(18)), "adult");
        assert_eq!(age_group_of_band(NOT_RECORDED), NOT_RECORDED);
    }
}
