//! Match weights of compared pairs: the fitted model's level weights, term-frequency adjustment
//! of exact agreement, the crosswise frequency of swapped names, and the joint frequency of
//! groups of fields that are not independent among non-matches.
//!
//! Method. A field's weight at level `l` is `log2(m(l) / u(l))` (Fellegi and Sunter 1969). On
//! exact agreement on value `v`, the chance that two non-matches agree is `tf(v)`, the value's
//! frequency, not the field's average `u(exact)` (Winkler 1989; Splink's term-frequency
//! adjustment): the weight is `log2(m(exact) / tf(v))`. Names agreeing crosswise (given name of one
//! record = family name of the other, and the reverse) are weighed the same way with the value's
//! frequency in the *partner* field: a swapped common name is weak evidence, a swapped rare one
//! strong. A joint group (e.g. given name, family name, sex, citizenship) that agrees as a whole
//! is weighed by the frequency of the combined value, `Σ log2 m − log2 tf(combined)`, because
//! names, sex and citizenship go together among non-matches and the sum of their separate
//! weights overstates the evidence of a shared common name (Winkler 1989 on dependent fields;
//! measured on the demo at 300,000 victims: namesakes agree on citizenship 96% of the time
//! against 12% for random pairs).

use crate::compare::{EXACT_LEVEL, MAX_FIELDS, Prepared, SWAP_LEVEL, level_of};
use crate::model::FittedModel;
use crate::settings::{FieldKind, LinkSettings};

/// Floor of a frequency, so that a weight stays finite.
const MIN_FREQUENCY: f64 = 1e-12;

/// Scores compared pairs with a fitted model.
#[derive(Debug)]
pub(crate) struct Scorer {
    pub prior_weight: f64,
    n_fields: usize,
    /// `level_weights[stratum][f][level]`, zero for the null level.
    level_weights: Vec<Vec<Vec<f64>>>,
    conditioning_fields: Vec<usize>,
    /// `log2 m[f][level]`.
    log_m: Vec<Vec<f64>>,
    /// Name fields: `log2(m(exact) + m(swap))`, agreement in either order.
    log_m_either_order: Vec<f64>,
    /// `tf_adjust[f][value_id]`: `log2(u(exact) / tf(value))`; empty when the field has no
    /// term-frequency adjustment.
    tf_adjust: Vec<Vec<f64>>,
    /// `swap_adjust[f][value_id]` of name fields: `log2(u(swap) / tf_partner(value))`.
    swap_adjust: Vec<Vec<f64>>,
    is_name: Vec<bool>,
}

impl Scorer {
    pub(crate) fn new(model: &FittedModel, settings: &LinkSettings, prep: &Prepared) -> Scorer {
        let n_fields = settings.fields.len();
        let n_levels: Vec<usize> = settings.fields.iter().map(|f| f.kind.n_levels()).collect();
        let level_weights = model
            .u_by_stratum
            .iter()
            .map(|u| {
                (0..n_fields)
                    .map(|f| {
                        (0..n_levels[f])
                            .map(|l| {
                                if l == 0 {
                                    0.0
                                } else {
                                    (model.m[f][l].max(crate::model::MIN_PROBABILITY)
                                        / u[f][l].max(crate::model::MIN_PROBABILITY))
                                    .log2()
                                }
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let log_m = (0..n_fields)
            .map(|f| (0..n_levels[f]).map(|l| model.m[f][l].max(crate::model::MIN_PROBABILITY).log2()).collect())
            .collect();
        let adjust = |u: f64, frequencies: &[f64]| -> Vec<f64> {
            frequencies.iter().map(|&tf| if tf > 0.0 { (u / tf.max(MIN_FREQUENCY)).log2() } else { 0.0 }).collect()
        };
        let tf_adjust = (0..n_fields)
            .map(|f| {
                if settings.fields[f].term_frequency {
                    adjust(model.u[f][usize::from(EXACT_LEVEL)], &prep.columns[f].frequency)
                } else {
                    Vec::new()
                }
            })
            .collect();
        let is_name: Vec<bool> =
            settings.fields.iter().map(|f| matches!(f.kind, FieldKind::GivenName | FieldKind::FamilyName)).collect();
        let swap_adjust = (0..n_fields)
            .map(|f| {
                if is_name[f] && settings.fields[f].term_frequency {
                    adjust(model.u[f][usize::from(SWAP_LEVEL)], &prep.columns[f].cross_frequency)
                } else {
                    Vec::new()
                }
            })
            .collect();
        let log_m_either_order = (0..n_fields)
            .map(|f| {
                if is_name[f] {
                    (model.m[f][usize::from(EXACT_LEVEL)] + model.m[f][usize::from(SWAP_LEVEL)])
                        .max(crate::model::MIN_PROBABILITY)
                        .log2()
                } else {
                    0.0
                }
            })
            .collect();
        Scorer {
            prior_weight: model.prior_weight(),
            log_m_either_order,
            n_fields,
            level_weights,
            conditioning_fields: model.conditioning_fields.clone(),
            log_m,
            tf_adjust,
            swap_adjust,
            is_name,
        }
    }

    /// The match weight of records `a` and `b` with comparison vector `gamma`, prior included;
    /// each field's part is written into `field_weights[..n_fields]`.
    pub(crate) fn score(
        &self,
        prep: &Prepared,
        a: usize,
        b: usize,
        gamma: u64,
        field_weights: &mut [f64; MAX_FIELDS],
    ) -> f64 {
        let mut weight = self.prior_weight;
        let level_weights = &self.level_weights[crate::model::stratum_of(&self.conditioning_fields, gamma)];
        for (f, slot) in field_weights.iter_mut().enumerate().take(self.n_fields) {
            let level = level_of(gamma, f);
            let mut w = level_weights[f][usize::from(level)];
            let value = prep.value_id(a, f) as usize;
            if level == EXACT_LEVEL && !self.tf_adjust[f].is_empty() {
                w += self.tf_adjust[f][value];
            } else if level == SWAP_LEVEL && self.is_name[f] && !self.swap_adjust[f].is_empty() {
                w += self.swap_adjust[f][value];
            }
            weight += w;
            *slot = w;
        }
        // The first joint group that agrees as a whole replaces its fields' separate weights.
        for joint in &prep.joint {
            let id = joint.ids[a];
            if id == 0 || id != joint.ids[b] {
                continue;
            }
            // Names that agree as a set agree in either order: their m is that of exact or swapped
            // agreement.
            let log_m = |f: usize| {
                if joint.unordered_names && self.is_name[f] {
                    self.log_m_either_order[f]
                } else {
                    self.log_m[f][usize::from(level_of(gamma, f))]
                }
            };
            let separate: f64 = joint.fields.iter().map(|&f| field_weights[f]).sum();
            let together: f64 = joint.fields.iter().map(|&f| log_m(f)).sum::<f64>()
                - joint.frequency[id as usize].max(MIN_FREQUENCY).log2();
            let share = (together - separate) / joint.fields.len() as f64;
            for &f in &joint.fields {
                field_weights[f] += share;
            }
            weight += together - separate;
            break;
        }
        weight
    }
}
