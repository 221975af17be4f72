"""Side-by-side utility and wall time of pac-synth and Palermo's synthesizer on the same sensitive
rows, the SDMX-CSV file read back with pysdmx, and the CTDC export's k checked with pycanon.

Usage: compare.py SCRATCH PUBLIC_DIR PALERMO_JSON K EPSILONS
(called by run.sh; SCRATCH holds sensitive.csv and palermo_synthetic.csv).
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


def mae(real, synthetic):
    """Mean absolute error per length over the union of the combinations either file holds."""
    out = []
    for a, b in zip(real, synthetic):
        keys = set(a) | set(b)
        out.append(sum(abs(a.get(k, 0) - b.get(k, 0)) for k in keys) / max(len(keys), 1))
    return out


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
    _, syn = read_rows(f"{scratch}/palermo_synthetic.csv")
    counted = combinations(syn)
    results.append((f"Palermo k={k}", len(syn), mae(real, counted), palermo["seconds"], rare_share(counted, k)))

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
        rows = [[r[i] for i in index] for r in raw[1:]]
        counted = combinations(rows)
        results.append((f"pac-synth eps={epsilon:g}", len(rows), mae(real, counted), seconds, rare_share(counted, k)))

    print(f"sensitive rows: {len(sensitive)}; combinations of 1/2/3 values: {[len(c) for c in real]}")
    print(f"{'synthesizer':<20} {'rows':>6} {'MAE 1-way':>10} {'MAE 2-way':>10} {'MAE 3-way':>10} {'seconds':>8} {'combos <k':>10}")
    for name, n, errors, seconds, rare in results:
        print(f"{name:<20} {n:>6} {errors[0]:>10.3f} {errors[1]:>10.3f} {errors[2]:>10.3f} {seconds:>8.3f} {rare:>9.1%}")

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
