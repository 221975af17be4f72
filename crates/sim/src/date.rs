//! A minimal proleptic-Gregorian civil date, enough for the simulator: day arithmetic, years, and
//! the four date dialects the simulated agencies write. Kept here rather than pulling in `chrono`
//! because the simulator needs only these few operations.

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Date {
    pub(crate) year: i32,
    pub(crate) month: u32,
    pub(crate) day: u32,
}

impl Date {
    pub(crate) fn new(year: i32, month: u32, day: u32) -> Self {
        Self { year, month, day }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub(crate) fn to_days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let d = i64::from(self.day);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The inverse of [`Date::to_days`] (Hinnant's `civil_from_days`).
    pub(crate) fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    pub(crate) fn add_days(self, days: i64) -> Self {
        Self::from_days(self.to_days() + days)
    }

    /// Completed years between `birth` and `self` (age on date `self`).
    pub(crate) fn years_since(self, birth: Date) -> i32 {
        let mut years = self.year - birth.year;
        if (self.month, self.day) < (birth.month, birth.day) {
            years -= 1;
        }
        years
    }

    /// The same day `years` years earlier/later; 29 February becomes 28 February off leap years.
    pub(crate) fn shift_years(self, years: i32) -> Self {
        let year = self.year + years;
        let day = if self.month == 2 && self.day == 29 && !is_leap(year) { 28 } else { self.day };
        Self { year, month: self.month, day }
    }

    pub(crate) fn format(self, fmt: DateFormat) -> String {
        let Self { year, month, day } = self;
        match fmt {
            DateFormat::DaySlash => format!("{day:02}/{month:02}/{year:04}"),
            DateFormat::Iso => format!("{year:04}-{month:02}-{day:02}"),
            DateFormat::MonthDash => format!("{month:02}-{day:02}-{year:04}"),
            DateFormat::DayDot => format!("{day:02}.{month:02}.{year:04}"),
        }
    }
}

pub(crate) fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The date dialects of the simulated agencies, with their chrono strftime spelling for mappings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateFormat {
    /// `%d/%m/%Y`
    DaySlash,
    /// `%Y-%m-%d`
    Iso,
    /// `%m-%d-%Y`
    MonthDash,
    /// `%d.%m.%Y`
    DayDot,
}

impl DateFormat {
    pub(crate) fn strftime(self) -> &'static str {
        match self {
            Self::DaySlash => "%d/%m/%Y",
            Self::Iso => "%Y-%m-%d",
            Self::MonthDash => "%m-%d-%Y",
            Self::DayDot => "%d.%m.%Y",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_over_leap_years() {
        let start = Date::new(1899, 12, 25).to_days();
        for days in start..start + 200 * 366 {
            let date = Date::from_days(days);
            assert_eq!(date.to_days(), days);
        }
        assert_eq!(Date::new(1970, 1, 1).to_days(), 0);
        assert_eq!(Date::new(2024, 3, 1).to_days() - Date::new(2024, 2, 28).to_days(), 2);
    }

    #[test]
    fn ages_and_formats() {
        let birth = Date::new(2000, 2, 29);
        assert_eq!(Date::new(2024, 2, 28).years_since(birth), 23);
        assert_eq!(Date::new(2024, 2, 29).years_since(birth), 24);
        assert_eq!(birth.shift_years(1), Date::new(2001, 2, 28));
        let d = Date::new(2021, 7, 4);
        assert_eq!(d.format(DateFormat::DaySlash), "04/07/2021");
        assert_eq!(d.format(DateFormat::MonthDash), "07-04-2021");
        assert_eq!(d.format(DateFormat::DayDot), "04.07.2021");
        assert_eq!(d.format(DateFormat::Iso), "2021-07-04");
    }
}
