"""Generate the scale benchmark: two lists of synthetic person records, reproducibly.

Usage: python gen_scale.py N SEED OUT_DIR
Writes OUT_DIR/scale_a.csv (N distinct persons) and OUT_DIR/scale_b.csv (N records: 80% are
copies of persons in A with typing errors, missing values, day/month swaps, swapped name order
and changed family names; 20% are new persons). Columns: unique_id, cluster (the person),
given_name, surname, date_of_birth, sex, postcode, city. Names are made from syllables, so no
real person appears; their frequencies follow a Zipf law as real names do.
"""
import csv
import itertools
import random
import string
import sys
from pathlib import Path

SYLLABLES = [c + v for c in "bdfghjklmnprstvwz" for v in "aeiou"] + ["ch", "sh", "th", "an", "el", "or", "in"]


def make_names(rng, n, min_syl, max_syl):
    names = set()
    while len(names) < n:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(min_syl, max_syl))))
    return sorted(names)


def zipf_weights(n, s=1.0):
    return [1.0 / (k + 1) ** s for k in range(n)]


def typo(rng, text):
    if not text:
        return text
    i = rng.randrange(len(text))
    kind = rng.randrange(4)
    letters = string.ascii_lowercase if text.isalpha() else string.ascii_lowercase + string.digits
    if kind == 0:
        return text[:i] + rng.choice(letters) + text[i + 1 :]
    if kind == 1 and len(text) > 2:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + rng.choice(letters) + text[i:]
    if i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text


def person(rng, pools, pid):
    sex = rng.choice("mf")
    given = rng.choices(pools["male" if sex == "m" else "female"], cum_weights=pools["gw"])[0]
    surname = rng.choices(pools["surname"], cum_weights=pools["sw"])[0]
    year, month, day = rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)
    district = rng.choice(pools["district"])
    postcode = f"{district} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
    city = pools["city_of"][district]
    return {
        "cluster": pid,
        "given_name": given,
        "surname": surname,
        "date_of_birth": f"{year:04d}-{month:02d}-{day:02d}",
        "sex": sex,
        "postcode": postcode,
        "city": city,
    }


def corrupt(rng, rec, pools):
    r = dict(rec)
    for field in ("given_name", "surname"):
        if rng.random() < 0.15:
            r[field] = typo(rng, r[field])
        if rng.random() < 0.03:
            r[field] = ""
    if r["sex"] == "f" and rng.random() < 0.05:
        r["surname"] = rng.choices(pools["surname"], cum_weights=pools["sw"])[0]
    if rng.random() < 0.03:
        r["given_name"], r["surname"] = r["surname"], r["given_name"]
    y, m, d = r["date_of_birth"].split("-")
    u = rng.random()
    if u < 0.04 and int(d) <= 12:
        r["date_of_birth"] = f"{y}-{d}-{m}"
    elif u < 0.10:
        r["date_of_birth"] = typo(rng, r["date_of_birth"].replace("-", ""))
        r["date_of_birth"] = r["date_of_birth"][:4] + "-" + r["date_of_birth"][4:6] + "-" + r["date_of_birth"][6:8]
    elif u < 0.15:
        r["date_of_birth"] = ""
    u = rng.random()
    if u < 0.05:
        r["postcode"] = typo(rng, r["postcode"])
    elif u < 0.15:
        r["postcode"] = ""
    if rng.random() < 0.1:
        r["city"] = ""
    if rng.random() < 0.02:
        r["sex"] = ""
    return r


def main():
    n, seed, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    cities = make_names(rng, 400, 2, 4)
    districts = sorted({rng.choice(string.ascii_uppercase) + rng.choice(string.ascii_uppercase) + str(rng.randint(1, 99)) for _ in range(6000)})
    pools = {
        "male": make_names(rng, 3000, 2, 3),
        "female": make_names(rng, 3000, 2, 3),
        "surname": make_names(rng, 40000, 2, 4),
        "district": districts,
        "city_of": {d: rng.choices(cities, zipf_weights(len(cities)))[0] for d in districts},
    }
    pools["gw"] = list(itertools.accumulate(zipf_weights(3000)))
    pools["sw"] = list(itertools.accumulate(zipf_weights(40000, 0.8)))
    fields = ["unique_id", "cluster", "given_name", "surname", "date_of_birth", "sex", "postcode", "city"]
    people = [person(rng, pools, f"p{i}") for i in range(n)]
    with open(out / "scale_a.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for i, p in enumerate(people):
            w.writerow({"unique_id": f"a{i}", **p})
    n_shared = int(n * 0.8)
    shared = rng.sample(range(n), n_shared)
    rows = [corrupt(rng, people[i], pools) for i in shared]
    rows += [person(rng, pools, f"q{i}") for i in range(n - n_shared)]
    rng.shuffle(rows)
    with open(out / "scale_b.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for i, r in enumerate(rows):
            w.writerow({"unique_id": f"b{i}", **r})


if __name__ == "__main__":
    main()
