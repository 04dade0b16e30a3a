#!/usr/bin/env python3
"""Golden tests for the analysis pipeline: every NAME.eml here is analysed and compared with
NAME.json (the expected `lapis analyze --pretty` output, with source.path made relative).

  run_golden.py --lapis BINARY [--update]

On a mismatch the unified diff is printed. --update rewrites the .json files from the current
output (review the diff in version control before committing).
"""
import argparse
import difflib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def analyse(lapis, path):
    p = subprocess.run([lapis, "analyze", "--pretty", "--no-enrich", path], capture_output=True, timeout=120,
                       env=dict(os.environ, LAPIS_DATA_DIR=os.environ.get("LAPIS_DATA_DIR", "")))
    if p.returncode not in (0, 1):
        raise RuntimeError(f"{path}: lapis exited {p.returncode}: {p.stderr.decode()[:500]}")
    obj = json.loads(p.stdout)
    obj["source"]["path"] = os.path.basename(obj["source"]["path"])
    return json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()
    names = sorted(f[:-4] for f in os.listdir(HERE) if f.endswith(".eml"))
    failed = 0
    for name in names:
        got = analyse(a.lapis, os.path.join(HERE, name + ".eml"))
        golden = os.path.join(HERE, name + ".json")
        if a.update:
            with open(golden, "w", encoding="utf-8") as f:
                f.write(got)
            continue
        want = open(golden, encoding="utf-8").read() if os.path.exists(golden) else ""
        if got != want:
            failed += 1
            print(f"FAIL {name}")
            sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                                       f"{name}.json (expected)", f"{name}.json (actual)"))
        else:
            print(f"ok   {name}")
    print(f"{len(names) - failed}/{len(names)} golden files match")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
