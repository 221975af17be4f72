//! A validated record: one value per field of its kind, with the fields that can be derived from
//! others filled in (year from date, age from date of birth, age band from age).

use chrono::{Datelike, NaiveDate};

use crate::field::{Field, RecordKind};
use crate::value::{Problem, Value};
use crate::vocab;

/// One row of a source, validated. `values[i]` belongs to `kind.fields()[i]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub kind: RecordKind,
    pub values: Vec<Value>,
}

impl Record {
    /// A record of `kind` with every field not recorded.
    pub fn empty(kind: RecordKind) -> Record {
        Record { kind, values: vec![Value::NotRecorded; kind.fields().len()] }
    }

    /// The value of a field by name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let i = self.kind.fields().iter().position(|f| f.name == name)?;
        self.values.get(i)
    }

    /// Pairs of field and value, in canonical order.
    pub fn fields(&self) -> impl Iterator<Item = (&'static Field, &Value)> {
        self.kind.fields().iter().zip(&self.values)
    }

    fn slot(&mut self, name: &str) -> Option<&mut Value> {
        let i = self.kind.fields().iter().position(|f| f.name == name)?;
        self.values.get_mut(i)
    }

    /// Fills derivable fields and checks that related fields agree. Returns the name of the
    /// offending field with the problem.
    pub fn complete(&mut self) -> Result<(), (&'static str, Problem)> {
        if let Some(Value::Date(date)) = self.get("date").cloned() {
            match self.get("year") {
                Some(Value::Int(year)) if *year != i64::from(date.year()) => {
                    return Err(("year", Problem::Inconsistent("year differs from the year of the date".into())));
                }
                Some(Value::Int(_)) => {}
                _ => {
                    if let Some(slot) = self.slot("year") {
                        *slot = Value::Int(i64::from(date.year()));
                    }
                }
            }
        }
        if self.get("year").is_none_or(|y| !y.is_known()) {
            return Err(("year", Problem::Missing));
        }
        if self.kind == RecordKind::Persons {
            // A victim whose citizenship and country of exploitation are both known was trafficked
            // across a border exactly when they differ (UNODC's definition of domestic trafficking:
            // exploited in the country of citizenship).
            if let (
                Some(Value::Country(citizenship)),
                Some(Value::Country(exploited)),
                Some(Value::NotRecorded | Value::Unknown),
            ) = (self.get("citizenship"), self.get("country_of_exploitation"), self.get("cross_border"))
            {
                let derived = if citizenship == exploited { "domestic" } else { "cross_border" };
                if let Some(slot) = self.slot("cross_border") {
                    *slot = Value::Code(derived);
                }
            }
            let unknown = |v: Option<&Value>| v.is_none_or(|v| !v.is_known());
            if unknown(self.get("age")) && unknown(self.get("age_band")) {
                self.derive_age()?;
            }
            let age = self.get("age").and_then(Value::as_int);
            let band = self.get("age_band").cloned().unwrap_or(Value::NotRecorded);
            match (age, band) {
                (Some(age), Value::Code(band)) => {
                    let derived = vocab::age_band_of(age);
                    let group = vocab::age_group_of_band(derived);
                    if band != derived && band != group {
                        return Err(("age_band", Problem::Inconsistent("age band does not contain the age".into())));
                    }
                }
                (Some(age), _) => {
                    if let Some(slot) = self.slot("age_band") {
                        *slot = Value::Code(vocab::age_band_of(age));
                    }
                }
                _ => {}
            }
        }
        if self.kind == RecordKind::Justice
            && let Some(slot) = self.slot("count")
            && !slot.is_known()
        {
            *slot = Value::Int(1);
        }
        Ok(())
    }

    /// A person record without an age gets one from its date of birth at the date of
    /// identification, when these fix it; when they only narrow it (a birth year, or only the
    /// year of identification), the band that holds every possible age, or else the child/adult
    /// group when that is certain. A birth after the
    /// identification is an error of the date of birth.
    fn derive_age(&mut self) -> Result<(), (&'static str, Problem)> {
        let Some(Value::PartialDate(birth)) = self.get("date_of_birth").cloned() else {
            return Ok(());
        };
        let (first_day, last_day) = match self.get("date") {
            Some(Value::Date(date)) => (*date, *date),
            _ => match self.get("year").and_then(Value::as_int).and_then(|y| i32::try_from(y).ok()) {
                Some(year) => match (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) {
                    (Some(first), Some(last)) => (first, last),
                    _ => return Ok(()),
                },
                None => return Ok(()),
            },
        };
        // Birthdays as (month, day): the earliest and the latest the partial date allows.
        let earliest = (birth.month.unwrap_or(1), birth.day.unwrap_or(1));
        let latest = (birth.month.unwrap_or(12), birth.day.unwrap_or(31));
        let age_on = |on: NaiveDate, birthday: (u32, u32)| {
            i64::from(on.year() - birth.year) - i64::from((on.month(), on.day()) < birthday)
        };
        let (youngest, oldest) = (age_on(first_day, latest), age_on(last_day, earliest));
        if oldest < 0 {
            return Err((
                "date_of_birth",
                Problem::Inconsistent("the date of birth is after the date of identification".into()),
            ));
        }
        let youngest = youngest.max(0);
        if youngest == oldest {
            if let Some(slot) = self.slot("age") {
                *slot = Value::Int(oldest);
            }
        } else if let Some(slot) = self.slot("age_band") {
            let (young, old) = (vocab::age_band_of(youngest), vocab::age_band_of(oldest));
            if young == old {
                *slot = Value::Code(old);
            } else if vocab::age_group_of_band(young) == vocab::age_group_of_band(old) {
                *slot = Value::Code(vocab::age_group_of_band(old));
            }
        }
        Ok(())
    }

    /// The child/adult group, derived from the age band.
    pub fn age_group(&self) -> &'static str {
        match self.get("age_band") {
            Some(Value::Code(band)) => vocab::age_group_of_band(band),
            Some(Value::NotRecorded) | None => vocab::NOT_RECORDED,
            Some(_) => vocab::UNKNOWN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::PartialDate;

    fn person(date_of_birth: PartialDate, date: Option<(i32, u32, u32)>, year: i64) -> Record {
        let mut record = Record::empty(RecordKind::Persons);
        *record.slot("date_of_birth").expect("field") = Value::PartialDate(date_of_birth);
        *record.slot("year").expect("field") = Value::Int(year);
        if let Some((y, m, d)) = date {
            *record.slot("date").expect("field") = Value::Date(NaiveDate::from_ymd_opt(y, m, d).expect("date"));
        }
        record
    }

    fn born(year: i32, month: Option<u32>, day: Option<u32>) -> PartialDate {
        PartialDate { year, month, day }
    }

    #[test]
    fn age_comes_from_the_date_of_birth_at_identification() {
        let mut record = person(born(2006, Some(5), Some(10)), Some((2023, 5, 9)), 2023);
        record.complete().expect("valid");
        assert_eq!(record.get("age"), Some(&Value::Int(16)));
        assert_eq!(record.age_group(), "child");
        let mut record = person(born(2006, Some(5), Some(10)), Some((2024, 5, 10)), 2024);
        record.complete().expect("valid");
        assert_eq!(record.get("age"), Some(&Value::Int(18)));
        assert_eq!(record.age_group(), "adult");
    }

    #[test]
    fn an_uncertain_age_gives_its_band_only_when_every_possible_age_is_in_it() {
        // Born in 1985, identified in 2020: 34 or 35, both in one band.
        let mut record = person(born(1985, None, None), None, 2020);
        record.complete().expect("valid");
        assert_eq!(record.get("age").and_then(Value::as_int), None);
        assert_eq!(record.get("age_band"), Some(&Value::Code("30-38")));
        // Born in 1990: 29 or 30, two bands but surely an adult.
        let mut record = person(born(1990, None, None), None, 2020);
        record.complete().expect("valid");
        assert_eq!(record.get("age_band"), Some(&Value::Code("adult")));
        // Born in 2005, identified in 2023: 17 or 18, child or adult: left unknown.
        let mut record = person(born(2005, Some(6), Some(1)), None, 2023);
        record.complete().expect("valid");
        assert_eq!(record.age_group(), vocab::NOT_RECORDED);
    }

    #[test]
    fn a_birth_after_the_identification_is_refused() {
        let mut record = person(born(2024, Some(3), None), Some((2024, 1, 31)), 2024);
        assert_eq!(record.complete().map_err(|e| e.0), Err("date_of_birth"));
    }
}
