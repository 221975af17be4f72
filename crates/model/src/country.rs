//! ISO 3166-1 alpha-3 country codes, the user-assigned range Palermo accepts for fictional or
//! sub-national entities (`XAA`–`XZZ`), and a validated [`Iso3`] type.

use std::fmt;

/// Every officially assigned ISO 3166-1 alpha-3 code (249 entries), sorted.
const ASSIGNED: &str = "ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN \
BES BFA BGD BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV \
CMR COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP \
EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM \
GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM \
KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD \
MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU \
NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP \
SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK \
TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM \
YEM ZAF ZMB ZWE";

/// A validated ISO 3166-1 alpha-3 code, upper case.
///
/// Officially assigned codes are accepted, and so is the user-assigned range `XAA`–`XZZ`, which
/// Palermo uses for fictional countries (the demo's "Demoland", `XDL`) and which ISO reserves so
/// that it never collides with a real country.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Iso3([u8; 3]);

impl Iso3 {
    /// Parses a code case-insensitively, after trimming white space.
    pub fn parse(text: &str) -> Option<Iso3> {
        let text = text.trim();
        let bytes = text.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        let code = [bytes[0].to_ascii_uppercase(), bytes[1].to_ascii_uppercase(), bytes[2].to_ascii_uppercase()];
        let as_str = std::str::from_utf8(&code).ok()?;
        let user_assigned = code[0] == b'X';
        (user_assigned || is_assigned(as_str)).then_some(Iso3(code))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // The bytes are ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Whether the code is in the user-assigned range (a fictional or special entity).
    pub fn is_user_assigned(&self) -> bool {
        self.0[0] == b'X'
    }
}

fn is_assigned(code: &str) -> bool {
    // The list is sorted, so a binary search over the fixed-width entries is enough.
    let n = ASSIGNED.len().div_ceil(4);
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let entry = &ASSIGNED[mid * 4..mid * 4 + 3];
        match entry.cmp(code) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
        }
    }
    false
}

impl fmt::Display for Iso3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_complete() {
        let codes: Vec<&str> = ASSIGNED.split(' ').collect();
        assert_eq!(codes.len(), 249);
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
        assert!(codes.iter().all(|c| c.len() == 3));
    }

    #[test]
    fn parses_real_user_assigned_and_rejects_others() {
        assert_eq!(Iso3::parse(" nld ").map(|c| c.to_string()), Some("NLD".into()));
        assert_eq!(Iso3::parse("ABW").map(|c| c.to_string()), Some("ABW".into()));
        assert_eq!(Iso3::parse("ZWE").map(|c| c.to_string()), Some("ZWE".into()));
        assert!(Iso3::parse("XDL").is_some_and(|c| c.is_user_assigned()));
        assert!(Iso3::parse("QQQ").is_none());
        assert!(Iso3::parse("NL").is_none());
        assert!(Iso3::parse("N1D").is_none());
    }
}
