//! A validated record: one value per field of its kind, with the fields that can be derived from
//! others filled in (age band from age, year from date).

use chrono::Datelike;

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

    /// The child/adult group, derived from the age band.
    pub fn age_group(&self) -> &'static str {
        match self.get("age_band") {
            Some(Value::Code(band)) => vocab::age_group_of_band(band),
            Some(Value::NotRecorded) | None => vocab::NOT_RECORDED,
            Some(_) => vocab::UNKNOWN,
        }
    }
}
