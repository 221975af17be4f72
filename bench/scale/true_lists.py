#!/usr/bin/env python3
"""Prints the true capture histories of a demo observatory's linked lists (truth.json's
`capture_histories` without the lists named on the command line), reading only that field's
line of truth.json, so that a million-victim truth costs no memory. Usage:
true_lists.py TRUTH.json [LIST_TO_DROP ...] > histories.csv"""
import collections
import csv
import io
import json
import sys

path, drop = sys.argv[1], set(sys.argv[2:])
text = None
with open(path, encoding="utf-8") as f:
    for line in f:
        if line.lstrip().startswith('"capture_histories"'):
            text = json.loads("{" + line.strip().rstrip(",") + "}")["capture_histories"]
            break
if text is None:
    sys.exit(f"{path}: no capture_histories")
rows = list(csv.reader(io.StringIO(text)))
header, keep = rows[0], [i for i, h in enumerate(rows[0][:-1]) if h not in drop]
counts = collections.Counter()
for r in rows[1:]:
    key = tuple(r[i] for i in keep)
    if "1" in key:
        counts[key] += int(r[-1])
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow([header[i] for i in keep] + ["count"])
for key, n in sorted(counts.items()):
    out.writerow(list(key) + [n])
