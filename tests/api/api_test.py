#!/usr/bin/env python3
"""The node's HTTP API, run as a user would: `lapis serve` on 127.0.0.1 (a free port), tokens
from `lapis token create`, requests with urllib.

  api_test.py --lapis BINARY [--database URL]
"""
import argparse
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

FAILURES = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"))
    if not cond:
        FAILURES.append(name)


class Node:
    def __init__(self, lapis, data, database):
        self.lapis, self.data, self.database = lapis, data, database
        self.proc = None
        self.base = None

    def args(self):
        return ["--data", self.data] + (["--database", self.database] if self.database else [])

    def token(self, org, role="analyst"):
        p = subprocess.run([self.lapis, "token", "create", *self.args(), "--org", org, "--role", role],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        return p.stdout.strip()

    def start(self):
        self.proc = subprocess.Popen([self.lapis, "serve", *self.args(), "--listen", "127.0.0.1:0"],
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            m = re.search(r"listening on (http://\S+)", line)
            if m:
                self.base = m.group(1)
                return
        raise RuntimeError("server did not start")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def req(self, method, path, body=None, token=None, ctype=None):
        r = urllib.request.Request(self.base + path, data=body, method=method)
        if token:
            r.add_header("Authorization", "Bearer " + token)
        if ctype:
            r.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(r, timeout=30) as resp:
                return resp.status, resp.headers.get("Content-Type", ""), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read()


def msg(i, recipient="anna@example.org"):
    return (f"Received: from bot ([81.2.69.{i % 250}]) by mx.example.org with SMTP id A{i} for <{recipient}>; "
            f"Thu, 22 Aug 2002 11:59:00 +0000\r\nFrom: deals{i}@shop-deals.com\r\nTo: {recipient}\r\n"
            f"Subject: Cheap watches {i}\r\nMessage-ID: <{i}@shop-deals.com>\r\n\r\n"
            f"Buy replica watches now, 70% off! http://shop-deals.com/{i}\r\n").encode()


def wait_analysed(node, token, rid, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st, _, body = node.req("GET", f"/api/v1/reports/{rid}", token=token)
        if st == 200 and json.loads(body)["status"] == "analysed":
            return json.loads(body)
        time.sleep(0.2)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    ap.add_argument("--database", default="")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        node = Node(a.lapis, os.path.join(tmp, "node"), a.database)
        ta, tb = node.token("agency-a"), node.token("agency-b")
        node.start()
        m = msg(1)
        rid = hashlib.sha256(m).hexdigest()
        st, ct, body = node.req("POST", "/api/v1/reports", m, ta, "message/rfc822")
        check("POST e-mail answers 202 with the SHA-256 of the bytes",
              st == 202 and json.loads(body) == {"id": rid, "new_report": True}, (st, body))
        st, _, body = node.req("POST", "/api/v1/reports", m, ta, "message/rfc822")
        check("the same bytes again: 202, not a new report", st == 202 and json.loads(body)["new_report"] is False)
        rep = wait_analysed(node, ta, rid)
        check("the report is analysed", rep is not None)
        if rep:
            check("GET returns the analysis object", rep["analysis"]["id"] == rid and rep["complaints"] == 2
                  and rep["analysis"]["headers"]["subject"] == "Cheap watches 1", rep.get("analysis", {}).get("id"))
            check("recipient address is personal data, not analysis",
                  "anna@example.org" not in json.dumps(rep["analysis"]) and
                  "anna@example.org" in json.dumps(rep["personal_data"]))
        sms = json.dumps({"sender": "+447700900123", "text": "Your parcel is held, pay at parcel-fee.info/pay",
                          "reporter_country": "GB"}).encode()
        st, _, body = node.req("POST", "/api/v1/reports", sms, ta, "application/json")
        check("POST SMS answers 202", st == 202, (st, body))
        if st == 202:
            r = wait_analysed(node, ta, json.loads(body)["id"])
            check("the SMS is analysed", r is not None and r["kind"] == "sms")
        for name, body_, ctype, want in [
                ("malformed JSON", b"{not json", "application/json", 400),
                ("empty body", b"", "message/rfc822", 400),
                ("unsupported type", b"hello", "text/plain", 415)]:
            st, ct, body = node.req("POST", "/api/v1/reports", body_, ta, ctype)
            check(f"{name}: {want} problem+json", st == want and ct.startswith("application/problem+json")
                  and json.loads(body)["status"] == want, (st, ct, body[:200]))
        st, ct, _ = node.req("GET", "/api/v1/reports")
        check("no token: 401 problem+json", st == 401 and ct.startswith("application/problem+json"))
        st, _, _ = node.req("GET", "/api/v1/reports", token="lapis_" + "0" * 64)
        check("unknown token: 401", st == 401)
        # Isolation between organisations.
        st, _, _ = node.req("GET", f"/api/v1/reports/{rid}", token=tb)
        check("another organisation cannot read the report", st == 404)
        st, _, body = node.req("GET", "/api/v1/reports", token=tb)
        check("another organisation lists nothing", st == 200 and json.loads(body)["items"] == [])
        st, _, body = node.req("GET", "/api/v1/reports?q=watches", token=tb)
        check("another organisation finds nothing", st == 200 and json.loads(body)["items"] == [])
        # Pagination.
        for i in range(2, 8):
            node.req("POST", "/api/v1/reports", msg(i), ta, "message/rfc822")
        for i in range(2, 8):
            wait_analysed(node, ta, hashlib.sha256(msg(i)).hexdigest())
        seen, cursor, pages = [], None, 0
        while pages < 20:
            q = "/api/v1/reports?limit=2" + (f"&cursor={cursor}" if cursor else "")
            st, _, body = node.req("GET", q, token=ta)
            page = json.loads(body)
            seen += [x["id"] for x in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if not cursor:
                break
        check("cursor pagination returns every report once", len(seen) == 8 and len(set(seen)) == 8, (len(seen), pages))
        st, _, body = node.req("GET", "/api/v1/reports?q=watches%203", token=ta)
        items = json.loads(body)["items"]
        check("q searches subject and body", st == 200 and [x["subject"] for x in items] == ["Cheap watches 3"], items)
        st, _, body = node.req("GET", "/api/v1/reports?q=replica%20watches&limit=500", token=ta)
        check("full-text search finds words of the body", st == 200 and len(json.loads(body)["items"]) == 7,
              len(json.loads(body)["items"]) if st == 200 else st)
        st, _, body = node.req("GET", '/api/v1/reports?q=%22%28%2A', token=ta)
        check("FTS syntax in q is taken as words, not an error", st == 200, (st, body[:200]))
        st, _, body = node.req("GET", "/api/v1/reports?host=shop-deals.com", token=ta)
        check("filter by link host", st == 200 and len(json.loads(body)["items"]) == 7)
        st, _, body = node.req("GET", "/api/v1/reports?ip=81.2.69.4", token=ta)
        items = json.loads(body)["items"]
        check("filter by IP", st == 200 and [x["subject"] for x in items] == ["Cheap watches 4"], items)
        st, _, body = node.req("GET", "/api/v1/reports?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z", token=ta)
        check("time range with nothing in it", st == 200 and json.loads(body)["items"] == [])
        st, _, body = node.req("GET", "/api/v1/reports?since=yesterday", token=ta)
        check("bad time: 400", st == 400)
        camp = rep["campaign"] if rep else None
        st, _, body = node.req("GET", f"/api/v1/reports?campaign={camp}&limit=500", token=ta)
        check("filter by campaign returns its members", st == 200 and rid in [x["id"] for x in json.loads(body)["items"]],
              (camp, body[:200]))
        st, _, body = node.req("GET", "/api/v1/indicators?type=domain&value=shop-deals.com", token=ta)
        s = json.loads(body) if st == 200 else {}
        check("indicator lookup: where and when", st == 200 and s["reports"] == 7 and len(s["report_ids"]) == 7
              and s["first_seen"] is not None, body[:300])
        st, _, body = node.req("GET", "/api/v1/indicators?type=domain&value=shop-deals.com", token=tb)
        check("indicator lookup is scoped to the organisation", st == 200 and json.loads(body)["reports"] == 0)
        st, _, body = node.req("GET", "/api/v1/indicators?type=email&value=anna@example.org", token=ta)
        check("recipient addresses are not indicators", st == 200 and json.loads(body)["reports"] == 0, body[:200])
        st, _, _ = node.req("GET", "/api/v1/indicators?type=colour&value=x", token=ta)
        check("unknown indicator type: 400", st == 400)
        st, ct, body = node.req("GET", f"/api/v1/reports/{rid}/raw", token=ta)
        check("raw evidence download is byte-exact", st == 200 and body == m and ct.startswith("message/rfc822"), (st, ct))
        st, _, _ = node.req("GET", f"/api/v1/reports/{rid}/raw", token=tb)
        check("another organisation cannot download the evidence", st == 404)
        st, _, body = node.req("GET", "/api/v1/campaigns", token=ta)
        items = json.loads(body)["items"] if st == 200 else []
        check("campaign list", st == 200 and camp in [c["id"] for c in items], items[:3])
        st, _, body = node.req("GET", f"/api/v1/campaigns/{camp}", token=ta)
        check("campaign detail", st == 200 and json.loads(body)["id"] == camp, body[:200])
        st, _, _ = node.req("GET", f"/api/v1/campaigns/{camp}", token=tb)
        check("another organisation cannot see the campaign", st == 404)
        st, _, body = node.req("GET", "/metrics")
        check("Prometheus metrics", st == 200 and b"lapis_reports_received_total" in body)
        st, _, _ = node.req("GET", "/api/v1/reports?limit=0", token=ta)
        check("bad limit: 400", st == 400)
        st, _, _ = node.req("GET", "/api/v1/reports?cursor=garbage", token=ta)
        check("bad cursor: 400", st == 400)
        # Every route in the OpenAPI document exists, and every route the tests use is documented.
        st, _, body = node.req("GET", "/api/v1/openapi.json")
        doc = json.loads(body)
        documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
        used = {("POST", "/api/v1/reports"), ("GET", "/api/v1/reports"), ("GET", "/api/v1/reports/{id}"),
                ("GET", "/api/v1/reports/{id}/raw"), ("GET", "/api/v1/campaigns"), ("GET", "/api/v1/campaigns/{id}"),
                ("GET", "/api/v1/indicators"), ("GET", "/metrics"), ("GET", "/api/v1/openapi.json")}
        check("OpenAPI documents exactly the routes the server has", documented == used, documented ^ used)
        for method, path in sorted(documented):
            p = path.replace("{id}", str(camp) if "campaigns" in path else rid)
            st, ct, body = node.req(method, p, b"x" if method == "POST" else None, ta, "text/plain")
            check(f"documented route {method} {path} exists", b"no such route" not in body, (st, body[:100]))
        st, _, body = node.req("GET", "/api/v1/nothing", token=ta)
        check("unknown route: 404 problem+json", st == 404 and json.loads(body)["status"] == 404)
        # Clean shutdown; what was acknowledged is there after a restart.
        m9 = msg(9)
        st, _, _ = node.req("POST", "/api/v1/reports", m9, ta, "message/rfc822")
        rc = node.stop()
        check("SIGTERM stops the server with status 0", rc == 0, rc)
        node.start()
        st, _, body = node.req("GET", f"/api/v1/reports/{hashlib.sha256(m9).hexdigest()}", token=ta)
        check("a report acknowledged before the stop is there after the restart", st == 200)
        node.stop()
    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
