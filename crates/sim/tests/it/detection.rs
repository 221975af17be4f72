//! Detection behaves as designed: who each agency meets, how much of the population is seen, and
//! which lists barely overlap.

use crate::default_demo;

fn share(persons: &[&sim::TruePerson], pred: impl Fn(&sim::TruePerson) -> bool) -> f64 {
    persons.iter().filter(|p| pred(p)).count() as f64 / persons.len() as f64
}

fn on<'a>(truth: &'a sim::Truth, list: &str) -> Vec<&'a sim::TruePerson> {
    truth.persons.iter().filter(|p| p.lists.iter().any(|l| l == list)).collect()
}

fn forced_labour(p: &sim::TruePerson) -> bool {
    p.exploitation.iter().any(|f| f == "forced_labour")
}

#[test]
fn overall_detected_share_is_in_the_designed_range() {
    let truth = &default_demo().truth;
    let detected = truth.n_detected as f64 / truth.n_total as f64;
    assert!((0.35..=0.50).contains(&detected), "detected share {detected:.3}");
}

#[test]
fn agencies_meet_the_victims_they_are_built_to_meet() {
    let truth = &default_demo().truth;
    let police = on(truth, "police");
    let labour = on(truth, "labour_inspection");
    let shelter = on(truth, "shelter");
    let immigration = on(truth, "immigration");
    let all: Vec<_> = truth.persons.iter().collect();

    assert!(share(&labour, forced_labour) > 0.9);
    assert!(share(&labour, forced_labour) > 2.0 * share(&police, forced_labour));
    let sexual = |p: &sim::TruePerson| p.exploitation.iter().any(|f| f == "sexual");
    assert!(share(&police, sexual) > share(&all, sexual));
    assert!(share(&shelter, |p| p.sex == "female") > 0.85);
    assert!(share(&immigration, |p| p.cross_border == "cross_border") == 1.0);
    // Domestic workers are hidden from labour inspectors.
    let domestic = |p: &sim::TruePerson| p.labour_sector.as_deref() == Some("domestic_work");
    let labour_victims: Vec<_> = all.iter().copied().filter(|p| forced_labour(p)).collect();
    assert!(share(&labour, domestic) < share(&labour_victims, domestic) / 2.0);
    // Children are 20-30% of the hidden population.
    let children = share(&all, |p| p.age_group == "child");
    assert!((0.2..=0.3).contains(&children), "child share {children:.3}");
}

#[test]
fn some_lists_barely_overlap() {
    let truth = &default_demo().truth;
    let both = |a: &str, b: &str| {
        truth.persons.iter().filter(|p| p.lists.iter().any(|l| l == a) && p.lists.iter().any(|l| l == b)).count()
    };
    let size = |a: &str| truth.agencies[a].n_persons;
    assert!(both("labour_inspection", "shelter") * 20 < size("shelter").min(size("labour_inspection")));
    assert!(both("hotline", "immigration") * 10 < size("hotline").min(size("immigration")));
    // ... while the police and the shelter share many (referrals).
    assert!(both("police", "shelter") * 4 > size("shelter"));
}

#[test]
fn a_log_linear_model_recovers_the_total() {
    let truth = &default_demo().truth;
    let table = crate::mse::parse_capture_histories(&truth.capture_histories);
    let idx = |name: &str| truth.lists.iter().position(|l| l == name).expect("a list");
    let interactions =
        [(idx("police"), idx("shelter")), (idx("ngo"), idx("hotline")), (idx("ngo"), idx("immigration"))];
    let estimate = crate::mse::estimate_total(&table, truth.lists.len(), &interactions);
    let relative = estimate / truth.n_total as f64 - 1.0;
    assert!(relative.abs() < 0.25, "MSE estimate {estimate:.0} vs true {} ({:+.1}%)", truth.n_total, 100.0 * relative);
    // And the dark figure is real: the lists alone miss a large part.
    assert!(estimate > 1.5 * truth.n_detected as f64);
}
