#!/usr/bin/env python3
"""Agreement of `lapis analyze` origins with the connecting IP stamped by the receiving provider.

  origin_agreement.py --lapis BINARY --truth origin-ip.shared.tsv
                      [--min-agreement 0.85] [--min-reached 0.98] DIR

The truth file has columns file, connecting_ip, evidence_header (rows with an empty IP are
skipped). Two figures:
  agreement  the origin is the provider's connecting IP;
  reached    the trust walk reached the provider's boundary: the connecting IP is the origin or
             a trusted relay above it (lapis followed the chain further, e.g. to the client that
             authenticated at that relay).
Every disagreement is printed with lapis's stated reason.
"""
import argparse
import csv
import json
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--min-agreement", type=float, default=0.85)
    ap.add_argument("--min-reached", type=float, default=0.98)
    ap.add_argument("dir")
    a = ap.parse_args()
    truth = {}
    with open(a.truth, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["connecting_ip"]:
                truth[os.path.basename(row["file"])] = row["connecting_ip"]
    p = subprocess.run([a.lapis, "analyze", "--jobs", "2", a.dir], capture_output=True, timeout=900)
    if p.returncode not in (0, 1):
        print(f"lapis failed with status {p.returncode}: {p.stderr.decode()[:2000]}")
        return 1
    agree = total = reached = 0
    misses = []
    for line in p.stdout.splitlines():
        r = json.loads(line)
        name = os.path.basename(r["source"]["path"])
        if name not in truth:
            continue
        total += 1
        o = r["origin"]
        passed = any(h["ip"] == truth[name] and h["trusted"] for h in r["received"])
        if o and o["ip"] == truth[name]:
            agree += 1
            reached += 1
        else:
            reached += passed
            misses.append((name, o["ip"] if o else None, truth[name], o["kind"] if o else "", o["reason"] if o else ""))
    ratio = agree / total if total else 0.0
    reach = reached / total if total else 0.0
    print(f"origin agreement: {agree}/{total} = {ratio:.4f} (floor {a.min_agreement})")
    print(f"provider boundary reached: {reached}/{total} = {reach:.4f} (floor {a.min_reached})")
    for m in misses:
        print("  %s: lapis %s, provider %s [%s] %s" % m)
    if total < len(truth) * 0.95:
        print(f"only {total} of {len(truth)} files with ground truth were analysed")
        return 1
    return 0 if ratio >= a.min_agreement and reach >= a.min_reached else 1


if __name__ == "__main__":
    sys.exit(main())
