//! The observatory's own files: `palermo.toml`, the population table for SDG 16.2.2 rates, and a
//! short README for the newcomer who opens the folder.

use std::fmt::Write as _;

use crate::SimConfig;
use crate::dialects::{DIALECTS, quote};

/// `palermo.toml` naming every source (schema.md format).
pub(crate) fn palermo_toml(config: &SimConfig) -> String {
    let mut t = String::new();
    t.push_str("# Demoland national observatory: a simulated example written by `palermo demo`.\n");
    t.push_str("# Every person in data/ is synthetic. truth.json holds what the simulation knows;\n");
    t.push_str("# the pipeline never reads it.\n");
    t.push_str("[observatory]\nname = \"Demoland national observatory (simulated)\"\ncountry = \"XDL\"\n");
    let _ = writeln!(t, "years = [{}, {}]", config.years.0, config.years.1);
    let _ = writeln!(t, "seed = {}", config.seed);
    for dialect in DIALECTS {
        let name = dialect.agency.name();
        let _ = write!(
            t,
            "\n[[sources]]\nname = {}\nkind = {}\nfile = {}\nmapping = {}\n",
            quote(name),
            quote(name),
            quote(dialect.path),
            quote(&dialect.mapping_path())
        );
    }
    t.push_str("\n# Criminal-justice statistics (counts, not persons): mapping kind = \"justice\".\n");
    t.push_str("[[sources]]\nname = \"justice\"\nkind = \"prosecution\"\nfile = \"data/justice.csv\"\nmapping = \"mappings/justice.toml\"\n");
    t.push_str("\n[population]\nfile = \"data/population.csv\"\n\n[disclosure]\nmin_cell = 5\n");
    t
}

/// Demoland's resident population by year, sex and child/adult (deterministic, not random):
/// about 6.3 million people, an ageing population whose child share slowly shrinks.
pub(crate) fn population_csv(config: &SimConfig) -> String {
    let mut t = String::from("year,sex,age_group,population\n");
    for year in config.years.0..=config.years.1 {
        let k = f64::from(year - 2020);
        for (sex, adult, child) in [("female", 2_610_000.0, 560_000.0), ("male", 2_540_000.0, 590_000.0)] {
            let adults = (adult * 1.004_f64.powf(k)).round() as u64;
            let children = (child * 0.995_f64.powf(k)).round() as u64;
            let _ = writeln!(t, "{year},{sex},adult,{adults}");
            let _ = writeln!(t, "{year},{sex},child,{children}");
        }
    }
    t
}

/// A README for the demo folder.
pub(crate) fn readme(config: &SimConfig) -> String {
    let mut t = String::new();
    t.push_str("# Demoland: a simulated observatory\n\n");
    let _ = writeln!(
        t,
        "Written by `palermo demo` (size {}, seed {}, years {}-{}). Demoland (code XDL) is a fictional country;",
        config.size, config.seed, config.years.0, config.years.1
    );
    t.push_str("every person here is synthetic, drawn from generic name lists.\n\n");
    t.push_str("A hidden population of victims was simulated; six agencies met some of them, each with its own\n");
    t.push_str("chances, and wrote them down in their own way:\n\n");
    t.push_str("| source | file | dialect |\n|---|---|---|\n");
    t.push_str("| police | data/police.csv | comma, UTF-8, dates dd/mm/yyyy, sex F/M, codes SEX/LAB/… |\n");
    t.push_str("| labour_inspection | data/labour_inspection.xlsx | sheet Inspections, ISO dates, sex W/M, ISIC sections, region names |\n");
    t.push_str("| ngo | data/ngo.csv | semicolon, ISO 8859-1, dates dd.mm.yyyy, country names, no documents |\n");
    t.push_str("| shelter | data/shelter.tsv | tab, dates mm-dd-yyyy, sex 1/2, numeric exploitation codes |\n");
    t.push_str("| immigration | data/immigration.json | JSON records, ISO 3166 alpha-2 nationality, some names in Cyrillic |\n");
    t.push_str("| hotline | data/hotline.csv | no names: initials and year of birth only |\n\n");
    t.push_str("Each file has a mapping in `mappings/` that translates it to Palermo's case schema. Names and\n");
    t.push_str("dates carry realistic typos, and every file has a few malformed rows that the import must\n");
    t.push_str("quarantine. `data/justice.csv` holds criminal-justice counts and `data/population.csv` the\n");
    t.push_str("population for rates per 100,000.\n\n");
    t.push_str("`truth.json` is the answer key: the true number of victims, the person behind every record,\n");
    t.push_str("the malformed rows and why, the true breakdowns and capture histories. Palermo never reads it;\n");
    t.push_str("it is there to score linkage and estimation.\n");
    t
}
