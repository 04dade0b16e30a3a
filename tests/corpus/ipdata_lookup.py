#!/usr/bin/env python3
"""AS number, organisation and country of well-known addresses from the real IP data
(@ip-location-db packages compiled by `lapis ipdata build`), and the enrichment of a message.

  ipdata_lookup.py --lapis BINARY
"""
import argparse
import json
import subprocess
import sys

# Address, AS number, country, a word of the AS organisation. These networks have been stable for
# many years; the pinned data package (scripts/data-packages.json) fixes the answer.
KNOWN = [
    ("8.8.8.8", 15169, "US", "Google"),
    ("1.1.1.1", 13335, "AU", "Cloudflare"),
    ("9.9.9.9", 19281, "US", "Quad9"),
    ("2a00:1450:4001:800::200e", 15169, None, "Google"),
    ("193.120.211.219", 2110, "IE", "BT"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    lapis = ap.parse_args().lapis
    failures = 0
    p = subprocess.run([lapis, "ipdata", "lookup", *[k[0] for k in KNOWN], "203.0.113.5"],
                       capture_output=True, text=True, timeout=60)
    rows = [line.split("\t") for line in p.stdout.splitlines()]
    if p.returncode != 0 or len(rows) != len(KNOWN) + 1:
        print(f"FAIL lookup exited {p.returncode}: {p.stderr[:300]}")
        return 1
    for (ip, asn, cc, org), row in zip(KNOWN, rows):
        ok = row[1] == f"AS{asn}" and (cc is None or row[2] == cc) and org in row[3]
        failures += not ok
        print(("ok   " if ok else "FAIL ") + f"{ip}: {row[1:4]}")
    doc = rows[-1]
    ok = doc[1] == "AS0" and doc[4] == "documentation"
    failures += not ok
    print(("ok   " if ok else "FAIL ") + f"203.0.113.5 is a documentation address: {doc[1:]}")
    msg = (b"Received: from bot (dsl.example [193.120.211.219]) by mx.recipient.example with SMTP; "
           b"Thu, 22 Aug 2002 11:59:00 +0000\r\nSubject: x\r\n\r\nsee http://8.8.8.8/x\r\n")
    p = subprocess.run([lapis, "analyze", "-"], input=msg, capture_output=True, timeout=60)
    r = json.loads(p.stdout)
    o = r["origin"]
    ok = o and o["asn"] == 2110 and o["country"] == "IE" and "BT" in (o["as_org"] or "")
    failures += not ok
    print(("ok   " if ok else "FAIL ") + f"origin enriched: {o and (o['asn'], o['country'], o['as_org'])}")
    ips = {x["ip"]: x for x in r["indicators"]["ips"]}
    ok = "8.8.8.8" in ips and ips["8.8.8.8"]["asn"] == 15169
    failures += not ok
    print(("ok   " if ok else "FAIL ") + "URL host IP enriched")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
