#!/usr/bin/env python3
"""Origins of messages whose Received chains were read and judged by hand.

  origin_handchecked.py --lapis BINARY --sa SPAMASSASSIN_DIR --shared DIR

Each row names a message, the origin IP a person reading the whole chain would name, and why.
"""
import argparse
import json
import os
import subprocess
import sys

# (corpus, path, mbox index or None, expected origin, expected kind, why)
CASES = [
    ("sa", "spam-2/00010.2558d935f6439cb40d3acb8b8569aa9b.txt", None, "200.168.162.123", "relay-client",
     "forwarder webnote.net (reverse name in the next stamp's domain) and the FoRK list server xent.com "
     "(HELO matches the next stamp) are passed; the DSL host that sent to the list is the origin; the "
     "lines below it are forged"),
    ("sa", "spam-1/00100.81611d62ec1f172be947fda4af7caa2c.txt", None, "218.14.180.52", "relay-client",
     "fetchmail's POP3 retrieval line is the recipient's own mailbox; webnote.net received from the "
     "bracketed 218.14.180.52 whatever it called itself (HELO 64.105.237.170)"),
    ("sa", "spam-2/00200.2fcabc2b58baa0ebc051e3ea3dfafd8f.txt", None, "80.11.176.176", "relay-client",
     "the MDaemon line below is internal (192.168.x); the wanadoo DSL address connected to the MX"),
    ("sa", "spam-2/00904.8f93ecb6172ee1feba7b4248c48b9ef5.txt", None, "198.64.154.101", "relay-client",
     "cypherpunks list: hq.pro-ns.net <- einstein.ssz.com (local list expansion) <- 198.64.154.101"),
    ("sa", "easy-ham-2/00300.7c83dd137e4d39f9be3db9eafefdd7e6.txt", None, "217.75.2.27", "relay-client",
     "ILUG list post: the poster's company relay mail.tradesignals.com; below it only private and "
     "local hops"),
    ("shared", "corpus/nazario-phishing-2005/20051114.mbox", 0, "195.245.214.83", "relay-client",
     "the recipient's internal relay (10.0.2.3) is passed; 'from 216.231.36.64 by ;' below is forged"),
    ("shared", "corpus/phishing-pot/shared/sample-1.eml", None, "137.184.34.4", "relay-client",
     "Exchange Online internal hops (::1, 2603:10b6::/32 handoffs stamped with each other's addresses) "
     "are passed; the DigitalOcean droplet connected to mail.protection.outlook.com"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    ap.add_argument("--sa", required=True)
    ap.add_argument("--shared", required=True)
    a = ap.parse_args()
    failures = 0
    for corpus, rel, index, want_ip, want_kind, why in CASES:
        path = os.path.join(a.sa if corpus == "sa" else a.shared, rel)
        p = subprocess.run([a.lapis, "analyze", "--no-enrich", path], capture_output=True, timeout=120)
        objs = [json.loads(l) for l in p.stdout.splitlines()]
        objs = [o for o in objs if index is None or o["source"]["index"] == index]
        got = objs[0]["origin"] if objs else None
        ok = got is not None and got["ip"] == want_ip and got["kind"] == want_kind
        failures += not ok
        print(("ok   " if ok else "FAIL ") + f"{rel}: expected {want_ip} ({why})" +
              ("" if ok else f"; lapis said {got and got['ip']} [{got and got['kind']}]: {got and got['reason']}"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
