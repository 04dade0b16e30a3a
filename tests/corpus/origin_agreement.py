#!/usr/bin/env python3
"""Agreement of `lapis analyze` origins with the connecting IP stamped by the receiving provider.

  origin_agreement.py --lapis BINARY --truth origin-ip.shared.tsv --min-agreement 0.98 DIR

The truth file has columns file, connecting_ip, evidence_header (rows with an empty IP are
skipped). Prints the agreement and every disagreement with lapis's stated reason.
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
    ap.add_argument("--min-agreement", type=float, default=0.98)
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
    agree = total = 0
    misses = []
    for line in p.stdout.splitlines():
        r = json.loads(line)
        name = os.path.basename(r["source"]["path"])
        if name not in truth:
            continue
        total += 1
        o = r["origin"]
        if o and o["ip"] == truth[name]:
            agree += 1
        else:
            misses.append((name, o["ip"] if o else None, truth[name], o["kind"] if o else "", o["reason"] if o else ""))
    ratio = agree / total if total else 0.0
    print(f"origin agreement: {agree}/{total} = {ratio:.4f} (floor {a.min_agreement})")
    for m in misses:
        print("  %s: lapis %s, provider %s [%s] %s" % m)
    if total < len(truth) * 0.95:
        print(f"only {total} of {len(truth)} files with ground truth were analysed")
        return 1
    return 0 if ratio >= a.min_agreement else 1


if __name__ == "__main__":
    sys.exit(main())
