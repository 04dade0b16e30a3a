#!/usr/bin/env python3
"""Cooperation figures on a loaded node (not a test): the time to make a case from a large
campaign and to open it, and case search over many cases.

  bench/coop_bench.py --lapis BUILD/apps/lapis/lapis --data DIR [--database URL] [--org ORG]
                      [--cases 100000] [--clients 8] [--queries 300]

DIR is a node's data directory already holding reports (bench/node_bench.sh --keep leaves one).
The node is started on it (taking nothing in, analysing nothing); the cases made stay in it, so a
second run adds more. Prints: the campaign used and its size, the seconds to make the case and to
open it (median and worst of 5), the rate cases were made at, and p50/p95/max of case searches
(one or two words, sorted by harm) with the number of cases present.
"""
import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import urlparse, quote

# Words cases are made of: a vocabulary whose frequencies fall off as in real text (Zipf), so that
# searches range from words in a third of the cases to words in a handful.
VOCAB = [f"w{i:04d}" for i in range(5000)]
WEIGHTS = [1.0 / (i + 1) for i in range(len(VOCAB))]


class Client:
    def __init__(self, base, token):
        u = urlparse(base)
        self.host, self.port, self.token = u.hostname, u.port, token
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)

    def req(self, method, path, obj=None):
        body = json.dumps(obj).encode() if obj is not None else None
        headers = {"Authorization": "Bearer " + self.token}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(3):
            try:
                self.conn.request(method, path, body, headers)
                r = self.conn.getresponse()
                data = r.read()
                return r.status, json.loads(data) if data else None
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
        raise RuntimeError(f"{method} {path} failed")


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--database", default="")
    ap.add_argument("--org", default="bench-agency")
    ap.add_argument("--cases", type=int, default=100000, help="cases the store should hold for the search figures")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--campaign-size", type=int, default=5000, help="the campaign made into a case: the one closest to this")
    a = ap.parse_args()
    db = ["--database", a.database] if a.database else []
    token = subprocess.run([a.lapis, "token", "create", "--data", a.data, *db, "--org", a.org, "--role", "analyst",
                            "--label", "coop-bench"], capture_output=True, text=True, check=True).stdout.strip()
    proc = subprocess.Popen([a.lapis, "serve", "--data", a.data, *db, "--listen", "127.0.0.1:0", "--jobs", "0",
                             "--no-web"], stderr=subprocess.PIPE, text=True)
    base = None
    for line in proc.stderr:
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            base = m.group(1)
            break
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    try:
        run(a, base, token)
    finally:
        proc.terminate()
        proc.wait(timeout=120)


def run(a, base, token):
    c = Client(base, token)
    st, counts = c.req("GET", "/api/v1/stats?dimension=total")
    reports = sum(r["reports"] for r in counts["items"]) if st == 200 else 0
    print(f"store: {reports:,} analysed reports of {a.org}")
    st, camps = c.req("GET", "/api/v1/campaigns?limit=500")
    camp = min(camps["items"], key=lambda x: abs(x["reports"] - a.campaign_size))
    print(f"campaign {camp['id']}: {camp['reports']:,} reports (the closest to {a.campaign_size:,})")
    secs, (st, case) = timed(lambda: c.req("POST", "/api/v1/cases", {
        "title": "bench campaign case", "summary": "made from a whole campaign", "campaigns": [camp["id"]]}))
    assert st == 201, (st, case)
    print(f"make a case from the campaign: {secs:.2f} s ({case['counts']['reports']:,} reports linked)")
    opens = []
    for _ in range(5):
        secs, (st, body) = timed(lambda: c.req("GET", f"/api/v1/cases/{case['id']}"))
        assert st == 200
        opens.append(secs)
    print(f"open the case (detail with counts, harm, first 50 reports): median {statistics.median(opens):.3f} s, "
          f"worst {max(opens):.3f} s")
    secs, (st, body) = timed(lambda: c.req("GET", f"/api/v1/cases/{case['id']}/reports?limit=500"))
    print(f"a page of 500 of its reports: {secs:.3f} s")

    # Cases for the search figures.
    st, body = c.req("GET", "/api/v1/cases?limit=1&q=bench")
    existing = 0
    cur = None
    # Count what is there (pages of 500 ids).
    while True:
        st, page = c.req("GET", "/api/v1/cases?limit=500&sort=updated" + (f"&cursor={quote(cur)}" if cur else ""))
        existing += len(page["items"])
        cur = page.get("next_cursor")
        if not cur or existing >= a.cases:
            break
    todo = max(0, a.cases - existing)
    print(f"cases present: {existing:,}; making {todo:,} more with {a.clients} clients")
    rng = random.Random(42)
    made = [0]
    lock = threading.Lock()

    def worker(n, seed):
        r = random.Random(seed)
        cl = Client(base, token)
        for _ in range(n):
            title = " ".join(r.choices(VOCAB, WEIGHTS, k=4))
            summary = " ".join(r.choices(VOCAB, WEIGHTS, k=20))
            st, _ = cl.req("POST", "/api/v1/cases", {
                "title": title, "summary": summary,
                "inputs": {"money_lost": r.choice([0, 100, 5000, 250000]), "recipients": r.randint(0, 10000)},
                "tlp": "AMBER", "audience": {"kind": "organisation"}})
            if st != 201:
                raise RuntimeError(f"case creation answered {st}")
            with lock:
                made[0] += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(todo // a.clients + (1 if i < todo % a.clients else 0), i))
               for i in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if todo:
        el = time.perf_counter() - t0
        print(f"made {made[0]:,} cases in {el:.0f} s: {made[0] / el:.0f} cases/s")

    # Searches: one or two words drawn as the cases were, sorted by harm (the default), first page.
    lat = {"one word": [], "two words": [], "one word, status open": [], "no words (harm order)": []}
    hits = []
    for i in range(a.queries):
        w1, w2 = rng.choices(VOCAB, WEIGHTS, k=2)
        for kind, path in (("one word", f"/api/v1/cases?q={w1}"), ("two words", f"/api/v1/cases?q={w1}+{w2}"),
                           ("one word, status open", f"/api/v1/cases?q={w1}&status=open"),
                           ("no words (harm order)", "/api/v1/cases")):
            if kind == "no words (harm order)" and i % 10:
                continue
            secs, (st, body) = timed(lambda: c.req("GET", path))
            assert st == 200, (st, body)
            lat[kind].append(secs * 1000)
            if kind == "one word":
                hits.append(len(body["items"]))
    total = existing + made[0]
    print(f"case search over {total:,} cases ({a.queries} queries each, first page of 50, sorted by harm):")
    for kind, v in lat.items():
        print(f"  {kind:24s} p50 {pct(v, 50):7.1f} ms   p95 {pct(v, 95):7.1f} ms   max {max(v):7.1f} ms")
    print(f"  one-word queries with a full first page: {sum(h == 50 for h in hits)} of {len(hits)}")


if __name__ == "__main__":
    sys.exit(main())
