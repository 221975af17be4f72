#!/usr/bin/env python3
"""One Markdown row of the scale study from a run's JSON summary and the reference estimates."""
import json
import sys

n_total, seed, run_path, true_path, same_path, time_path, demo_wall, db = sys.argv[1:9]
run = json.load(open(run_path))
true = json.load(open(true_path))
same = json.load(open(same_path))
wall, user, system, rss_kb = open(time_path).read().split()[-4:]
link = run.get("linkage") or {}
q = link.get("truth") or {}
review = link.get("review") or {}
lo, hi = run.get("interval") or [float("nan")] * 2
n = int(n_total)
covered = "covers" if lo <= n <= hi else "misses"
est = run.get("estimate") or float("nan")
bca = true.get("ci_bca") or true["ci_conditional"]
cells = [
    f"{n:,}",
    seed,
    f"{q.get('precision', 0):.3f} / {q.get('recall', 0):.3f} ({q.get('precision_ceiling', 0):.3f} / 1)",
    f"{q.get('persons_counted', 0):,} / {q.get('persons_seen', 0):,}",
    f"{100 * q.get('namesakes_name', 0):.1f}%, {100 * q.get('namesakes_name_dob', 0):.2f}%",
    f"{est:,.0f} [{lo:,.0f}, {hi:,.0f}] ({covered} N)",
    f"{true['estimate']:,.0f} [{bca[0]:,.0f}, {bca[1]:,.0f}] ({100 * (est / true['estimate'] - 1):+.1f}%)",
    f"{same['estimate']:,.0f} ({100 * (est / same['estimate'] - 1):+.1f}%)",
    f"{review.get('listed', 0)} / {review.get('unlisted', 0):,}",
    demo_wall,
    f"{float(wall):.1f} s / {float(user) + float(system):.1f} s",
    f"{int(rss_kb) / 1024:,.0f} MB",
    f"{int(db) / 1e6:,.0f} MB",
]
print("| " + " | ".join(cells) + " |")
