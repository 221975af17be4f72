"""Side-by-side utility and wall time of pac-synth and Palermo's synthesizer (k-anonymous, and
differentially private at the same ε as pac-synth) on the same sensitive rows, the SDMX-CSV file
read back with pysdmx, and the CTDC export's k checked with pycanon.

Usage: compare.py SCRATCH PUBLIC_DIR PALERMO_JSON K EPSILONS
(called by run.sh; SCRATCH holds sensitive.csv, palermo_synthetic.csv and palermo_dp_<ε>.csv).
"""

import csv
import itertools
import json
import sys
import time
from collections import Counter


def read_rows(path):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, [row for row in reader]


def combinations(rows, max_length=3):
    """Counts of every combination of 1..max_length non-empty (column, value) pairs, by length."""
    counts = [Counter() for _ in range(max_length)]
    for row in rows:
        attrs = [(j, v) for j, v in enumerate(row) if v != ""]
        for length in range(1, max_length + 1):
            for combo in itertools.combinations(attrs, length):
                counts[length - 1][combo] += 1
    return counts


def total_error(a, b):
    """Total absolute error over the union of the combinations either file holds."""
    return sum(abs(a.get(k, 0) - b.get(k, 0)) for k in set(a) | set(b))


def mae(real, synthetic):
    """Mean absolute error per length over the union of the combinations either file holds."""
    return [total_error(a, b) / max(len(set(a) | set(b)), 1) for a, b in zip(real, synthetic)]


def error_per_real(real, synthetic):
    """Total absolute error per length (over the union) divided by the number of combinations the
    sensitive rows hold: unlike the mean over the union, a file cannot lower it by holding many
    made-up combinations of small counts."""
    return [total_error(a, b) / max(len(a), 1) for a, b in zip(real, synthetic)]


def made_up(real, synthetic):
    """How many combinations (of 1 to 3 values) the file holds that the sensitive rows do not."""
    return sum(1 for a, b in zip(real, synthetic) for key in b if key not in a)


def rare_share(synthetic, k):
    """Share of the synthetic file's combinations (up to length 3) that occur fewer than k times."""
    total = sum(len(c) for c in synthetic)
    rare = sum(1 for c in synthetic for n in c.values() if n < k)
    return rare / max(total, 1)


def main():
    scratch, public, palermo_json, k, epsilons = sys.argv[1:6]
    k = int(k)
    header, sensitive = read_rows(f"{scratch}/sensitive.csv")
    real = combinations(sensitive)

    results = []
    palermo = json.loads(palermo_json)

    def add(name, rows, seconds):
        counted = combinations(rows)
        results.append(
            (name, len(rows), mae(real, counted), error_per_real(real, counted), made_up(real, counted), seconds, rare_share(counted, k))
        )

    _, syn = read_rows(f"{scratch}/palermo_synthetic.csv")
    add(f"Palermo k={k}", syn, palermo["k"]["seconds"])
    for run in palermo["dp"]:
        _, syn = read_rows(f"{scratch}/{run['file']}")
        add(f"Palermo eps={run['epsilon']:g}", syn, run["seconds"])

    import pacsynth as ps

    for epsilon in [float(e) for e in epsilons.split(",")]:
        started = time.perf_counter()
        dataset = ps.Dataset([header] + sensitive)
        params = ps.DpAggregateSeededParametersBuilder().reporting_length(3).epsilon(epsilon).build()
        synthesizer = ps.DpAggregateSeededSynthesizer(params)
        synthesizer.fit(dataset)
        raw = synthesizer.sample()
        seconds = time.perf_counter() - started
        # pac-synth returns its own column order: put the columns back in the sensitive file's.
        index = [raw[0].index(h) for h in header]
        add(f"pac-synth eps={epsilon:g}", [[r[i] for i in index] for r in raw[1:]], seconds)

    # Palermo's DP rows next to pac-synth's at the same ε.
    order = {name: i for i, name in enumerate(r[0] for r in results)}
    results.sort(key=lambda r: (0, 0) if r[0].startswith("Palermo k") else (1, float(r[0].split("=")[1]), order[r[0]]))
    for line in palermo["dp"][:1]:
        print(
            f"Palermo DP: reporting length {line['reporting_length']}, at most {line['max_attributes']} values a person, "
            f"L1 sensitivity by length {line['sensitivity_by_length']}, domain from the data: {line['domain_from_data'] or 'none'}"
        )
    print(f"sensitive rows: {len(sensitive)}; combinations of 1/2/3 values: {[len(c) for c in real]}")
    print(
        f"{'synthesizer':<20} {'rows':>6} {'MAE 1-way':>10} {'MAE 2-way':>10} {'MAE 3-way':>10} "
        f"{'err/real 1':>10} {'err/real 2':>10} {'err/real 3':>10} {'made-up':>8} {'seconds':>8} {'combos <k':>10}"
    )
    for name, n, errors, per_real, invented, seconds, rare in results:
        print(
            f"{name:<20} {n:>6} {errors[0]:>10.3f} {errors[1]:>10.3f} {errors[2]:>10.3f} "
            f"{per_real[0]:>10.3f} {per_real[1]:>10.3f} {per_real[2]:>10.3f} {invented:>8} {seconds:>8.3f} {rare:>9.1%}"
        )

    # The SDMX-CSV 1.0 file, read back as it is by pysdmx (sdmx1 2.28 reads SDMX-CSV 2.0 only,
    # and only with the data structure definition at hand).
    from importlib.metadata import version

    from pysdmx.io import read_sdmx

    message = read_sdmx(f"{public}/sdg_16_2_2.csv")
    for dataset in message.data:
        frame = dataset.data
        withheld = int((frame["OBS_STATUS"] == "Q").sum())
        print(
            f"pysdmx {version('pysdmx')}: {dataset.short_urn}: {len(frame)} observations, "
            f"series {sorted(frame['SERIES'].unique())}, {withheld} withheld (OBS_STATUS Q)"
        )

    # The CTDC export's k, by pycanon.
    import pandas as pd
    from pycanon import anonymity

    df = pd.read_csv(f"{public}/ctdc.csv", dtype=str, keep_default_na=False)
    qi = ["yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation"]
    print(f"pycanon: ctdc.csv ({len(df)} rows) is k-anonymous with k = {anonymity.k_anonymity(df, qi)} over {qi}")


if __name__ == "__main__":
    main()
