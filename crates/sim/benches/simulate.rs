//! Benchmark of the demo simulator: the default demo (3000 victims) and a larger one.
//! Run with `CARGO_TARGET_DIR=/work/target-sim cargo bench -p sim`.

fn main() {
    divan::main();
}

#[divan::bench(args = [3_000, 30_000], sample_count = 20)]
fn simulate(size: usize) -> sim::Demo {
    sim::simulate(&sim::SimConfig { size, ..sim::SimConfig::default() }).expect("the demo simulates")
}
