"""Run Splink (DuckDB backend) on one benchmark set and write its output for bench_link.

Usage: python splink_run.py DATASET OUT_DIR CSV [CSV] [--no-ssn]
DATASET: historical | febrl3 | febrl4 | scale. Writes OUT_DIR/pairs.csv (id_l, id_r,
match_probability; pairs at or above the clustering threshold), OUT_DIR/clusters.csv
(id, cluster_id) and OUT_DIR/seconds.txt (wall time from loading the CSVs to clusters). For
two-file sets, ids are written as "<source index>:<id>".

Settings follow Splink's documented examples (docs/demos/examples/duckdb/
deduplicate_50k_synthetic, febrl3, febrl4); the scale set uses the febrl4 "detailed" model shape
on its columns.
"""
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


def read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False).replace({"": None})


def historical(files, no_ssn):
    df = read(files[0])
    df["first_name_surname_concat"] = df["first_name"] + " " + df["surname"]
    blocking_rules = [
        block_on("substr(first_name,1,3)", "substr(surname,1,4)"),
        block_on("surname", "dob"),
        block_on("first_name", "dob"),
        block_on("postcode_fake", "first_name"),
        block_on("postcode_fake", "surname"),
        block_on("dob", "birth_place"),
        block_on("substr(postcode_fake,1,3)", "dob"),
        block_on("substr(postcode_fake,1,3)", "first_name"),
        block_on("substr(postcode_fake,1,3)", "surname"),
        block_on("substr(first_name,1,2)", "substr(surname,1,2)", "substr(dob,1,4)"),
    ]
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.ForenameSurnameComparison(
                "first_name", "surname", forename_surname_concat_col_name="first_name_surname_concat"
            ),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode_fake"),
            cl.ExactMatch("birth_place").configure(term_frequency_adjustments=True),
            cl.ExactMatch("occupation").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(df), settings)
    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("first_name", "surname", "dob"),
            block_on("substr(first_name,1,2)", "surname", "substr(postcode_fake,1,2)"),
            block_on("dob", "postcode_fake"),
        ],
        recall=0.6,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob"), estimate_without_term_frequencies=True
    )
    return linker, 0.95, "unique_id"


def febrl3(files, no_ssn):
    df = read(files[0])
    blocking_rules = [block_on("given_name"), block_on("surname"), block_on("date_of_birth"), block_on("postcode")]
    comparisons = [
        cl.NameComparison("given_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
    ]
    deterministic = [
        block_on("given_name", "surname", "date_of_birth"),
        "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth",
    ]
    if not no_ssn:
        blocking_rules.insert(0, block_on("soc_sec_id"))
        comparisons.insert(3, cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]))
        deterministic.insert(0, block_on("soc_sec_id"))
    else:
        df = df.drop(columns=["soc_sec_id"])
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=comparisons,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(df), settings)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    return linker, 0.95, "rec_id"


def febrl4(files, no_ssn):
    dfs = [read(f) for f in files]
    for i, df in enumerate(dfs):
        df["rec_id"] = str(i) + ":" + df["rec_id"]
    blocking_rules = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison(
            "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
        ),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
    ]
    deterministic = [block_on("given_name", "surname", "date_of_birth")]
    if not no_ssn:
        blocking_rules.insert(3, block_on("soc_sec_id"))
        comparisons.insert(3, cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]))
        deterministic.insert(0, block_on("soc_sec_id"))
    else:
        dfs = [df.drop(columns=["soc_sec_id"]) for df in dfs]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=comparisons,
    )
    db_api = DuckDBAPI()
    linker = Linker([db_api.register(d, dataset_display_name=f"s{i}") for i, d in enumerate(dfs)], settings)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    return linker, 0.99, "rec_id"


def scale(files, no_ssn):
    dfs = [read(f) for f in files]
    for i, df in enumerate(dfs):
        df["unique_id"] = str(i) + ":" + df["unique_id"]
    blocking_rules = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, invalid_dates_as_null=True),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.ExactMatch("sex"),
        ],
    )
    db_api = DuckDBAPI()
    linker = Linker([db_api.register(d, dataset_display_name=f"s{i}") for i, d in enumerate(dfs)], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    return linker, 0.99, "unique_id"


def main():
    args = [a for a in sys.argv[1:] if a != "--no-ssn"]
    no_ssn = "--no-ssn" in sys.argv
    dataset, out, files = args[0], Path(args[1]), args[2:]
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    linker, threshold, id_col = {"historical": historical, "febrl3": febrl3, "febrl4": febrl4, "scale": scale}[
        dataset
    ](files, no_ssn)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    pairs = predictions.as_pandas_dataframe()[[f"{id_col}_l", f"{id_col}_r", "match_probability"]]
    cl_df = clusters.as_pandas_dataframe()[[id_col, "cluster_id"]]
    seconds = time.perf_counter() - start
    pairs.columns = ["id_l", "id_r", "match_probability"]
    pairs.to_csv(out / "pairs.csv", index=False)
    cl_df.columns = ["id", "cluster_id"]
    cl_df.to_csv(out / "clusters.csv", index=False)
    (out / "seconds.txt").write_text(f"{seconds:.3f}\n")


if __name__ == "__main__":
    main()
