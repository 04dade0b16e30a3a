#!/usr/bin/env python3
"""The node's HTTP API, run as a user would: `lapis serve` on 127.0.0.1 (a free port), tokens
from `lapis token create`, requests with urllib.

  api_test.py --lapis BINARY [--database URL]
"""
import argparse
import atexit
import hashlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
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

    def start(self, *extra):
        self.proc = subprocess.Popen([self.lapis, "serve", *self.args(), "--listen", "127.0.0.1:0", *extra],
                                     stderr=subprocess.PIPE, text=True)
        # However the test ends (an exception included), no server outlives it.
        atexit.register(lambda proc=self.proc: proc.poll() is None and proc.kill())
        self.log = []  # everything the server writes on stderr, start-up lines included
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.log.append(line)
            m = re.search(r"listening on (http://\S+)", line)
            if m:
                self.base = m.group(1)
                # Keep reading the log so that the server never blocks on a full pipe.
                threading.Thread(target=lambda: self.log.extend(self.proc.stderr), daemon=True).start()
                return
        raise RuntimeError("server did not start: " + "".join(self.log))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def req(self, method, path, body=None, token=None, ctype=None, headers=None, full=False):
        r = urllib.request.Request(self.base + path, data=body, method=method)
        if token:
            r.add_header("Authorization", "Bearer " + token)
        if ctype:
            r.add_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            r.add_header(k, v)
        try:
            with urllib.request.urlopen(r, timeout=30) as resp:
                out = resp.status, resp.headers.get("Content-Type", ""), resp.read(), resp.headers
        except urllib.error.HTTPError as e:
            out = e.code, e.headers.get("Content-Type", ""), e.read(), e.headers
        return out if full else out[:3]

    def json(self, method, path, obj=None, token=None, headers=None):
        body = json.dumps(obj).encode() if obj is not None else None
        st, _, raw, hdrs = self.req(method, path, body, token, "application/json" if body else None, headers, full=True)
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return st, parsed, hdrs

    def user(self, org, name, role):
        p = subprocess.run([self.lapis, "user", "create", *self.args(), "--org", org, "--name", name, "--role", role],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        return dict(line.split(" ", 1) for line in p.stdout.strip().splitlines())["password"]

    def run(self, *argv):
        return subprocess.run([self.lapis, *argv, *self.args()], capture_output=True, text=True, timeout=120)


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


def sign_in(node, user, password):
    st, body, hdrs = node.json("POST", "/api/v1/session", {"user": user, "password": password})
    cookie = None
    for k, v in hdrs.items():
        if k.lower() == "set-cookie" and v.startswith("lapis_session="):
            cookie = v.split(";", 1)[0]
    return st, body, cookie


def users_roles_and_isolation(node, ta, rid, camp):
    """Sign-in, sessions, roles, administration, aggregates and the audit log; and that agency-b
    cannot read, list, count or download agency-a's reports by any route."""
    alice_pw = node.user("agency-a", "alice", "admin")
    bob_pw = node.user("agency-b", "bob", "admin")
    st, body, cookie = sign_in(node, "alice", alice_pw)
    check("sign-in answers 201 and sets an HttpOnly session cookie", st == 201 and cookie is not None
          and body["organisation"] == "agency-a" and body["role"] == "admin", (st, body))
    st, _, raw, hdrs = node.req("POST", "/api/v1/session", json.dumps({"user": "alice", "password": alice_pw}).encode(),
                                ctype="application/json", full=True)
    check("the session cookie is HttpOnly and SameSite=Strict",
          "HttpOnly" in hdrs.get("Set-Cookie", "") and "SameSite=Strict" in hdrs.get("Set-Cookie", ""))
    st, me, _ = node.json("GET", "/api/v1/session", headers={"Cookie": cookie})
    check("the cookie identifies the user, organisation and role",
          st == 200 and me["user"] == "alice" and me["organisation"] == "agency-a" and me["role"] == "admin", me)
    st, _, _ = node.json("GET", f"/api/v1/reports/{rid}", headers={"Cookie": cookie})
    check("a signed-in user reads the organisation's report", st == 200)
    m = msg(40)
    st, _, _ = node.req("POST", "/api/v1/reports", m, ctype="message/rfc822", headers={"Cookie": cookie})
    check("a change with the cookie but without X-Lapis-Request is refused (CSRF)", st == 403, st)
    st, _, _ = node.req("POST", "/api/v1/reports", m, ctype="message/rfc822",
                        headers={"Cookie": cookie, "X-Lapis-Request": "1"})
    check("with X-Lapis-Request the cookie may submit", st == 202, st)
    st, body, _ = sign_in(node, "alice", "wrong password!")
    check("a wrong password: 401", st == 401, st)
    st, body, _ = sign_in(node, "nobody-here", "whatever password")
    check("an unknown user: 401, the same answer", st == 401, st)
    st, _, _ = node.json("POST", "/api/v1/session", {"user": 5})
    check("a malformed sign-in: 400", st == 400, st)
    st, _, _ = node.req("POST", "/api/v1/session", b"{garbage", ctype="application/json")
    check("bad JSON: 400", st == 400, st)

    # Users of every role, created by the admin through the API.
    tokens = {}
    for role in ["coordinator", "analyst", "partner", "reporter"]:
        st, body, _ = node.json("POST", "/api/v1/users", {"name": f"a-{role}", "role": role}, headers={
            "Cookie": cookie, "X-Lapis-Request": "1"})
        check(f"the admin creates a {role} (a password is generated)", st == 201 and len(body.get("password", "")) >= 12,
              (st, body))
        st2, s, _ = sign_in(node, f"a-{role}", body["password"])
        tokens[role] = s["token"] if st2 == 201 else None
    st, body, _ = node.json("POST", "/api/v1/users", {"name": "alice", "role": "analyst"}, token=tokens["coordinator"])
    check("a coordinator may not create users", st == 403, st)
    st, body, _ = node.json("POST", "/api/v1/users", {"name": "alice", "role": "analyst", "password": "x" * 12},
                            headers={"Cookie": cookie, "X-Lapis-Request": "1"})
    check("a taken user name: 409", st == 409, st)
    st, body, _ = node.json("POST", "/api/v1/users", {"name": "a b", "role": "analyst"},
                            headers={"Cookie": cookie, "X-Lapis-Request": "1"})
    check("a bad user name: 400", st == 400, st)
    st, body, _ = node.json("POST", "/api/v1/users", {"name": "short", "role": "analyst", "password": "short"},
                            headers={"Cookie": cookie, "X-Lapis-Request": "1"})
    check("a short password: 400", st == 400, st)
    matrix = [  # (role, method, path, allowed)
        ("reporter", "POST", "/api/v1/reports", True), ("reporter", "GET", "/api/v1/reports", False),
        ("reporter", "GET", "/api/v1/indicators?type=domain&value=shop-deals.com", False),
        ("partner", "POST", "/api/v1/reports", True), ("partner", "GET", "/api/v1/reports", False),
        ("partner", "GET", f"/api/v1/reports/{rid}", False), ("partner", "GET", f"/api/v1/reports/{rid}/raw", False),
        ("partner", "GET", "/api/v1/indicators?type=domain&value=shop-deals.com", True),
        ("partner", "GET", "/api/v1/stats", True), ("partner", "GET", "/api/v1/campaigns", False),
        ("analyst", "GET", f"/api/v1/reports/{rid}/raw", True), ("analyst", "GET", "/api/v1/audit", False),
        ("analyst", "GET", "/api/v1/users", False), ("coordinator", "GET", "/api/v1/audit", True),
        ("coordinator", "GET", "/api/v1/tokens", False)]
    for role, method, path, allowed in matrix:
        body = msg(50 + len(role)) if method == "POST" else None
        st, _, _ = node.req(method, path, body, tokens[role], "message/rfc822" if body else None)
        check(f"{role} {method} {path.split('?')[0]}: {'allowed' if allowed else '403'}",
              (st in (200, 202)) if allowed else st == 403, st)
    st, s, _ = node.json("GET", "/api/v1/indicators?type=domain&value=shop-deals.com", token=tokens["partner"])
    check("a partner learns when an indicator was seen, not which reports hold it",
          st == 200 and s["reports"] >= 1 and "report_ids" not in s, s)

    # API tokens managed through the API.
    st, t, _ = node.json("POST", "/api/v1/tokens", {"role": "reporter", "label": "mail gateway"},
                         headers={"Cookie": cookie, "X-Lapis-Request": "1"})
    check("the admin creates an API token", st == 201 and t["token"].startswith("lapis_"), (st, t))
    st, _, _ = node.req("POST", "/api/v1/reports", msg(60), t["token"], "message/rfc822")
    check("the new token works", st == 202, st)
    st, lst, _ = node.json("GET", "/api/v1/tokens", headers={"Cookie": cookie})
    check("the token is listed with its label, without its secret", st == 200 and any(
        x["id"] == t["id"] and x["label"] == "mail gateway" and "token" not in x for x in lst["items"]), lst)
    st, _, _ = node.req("DELETE", f"/api/v1/tokens/{t['id']}", headers={"Cookie": cookie, "X-Lapis-Request": "1"})
    check("the admin revokes it", st == 204, st)
    st, _, _ = node.req("POST", "/api/v1/reports", msg(61), t["token"], "message/rfc822")
    check("a revoked token: 401", st == 401, st)

    # Aggregates and campaign detail.
    st, agg, _ = node.json("GET", "/api/v1/stats?dimension=total", token=ta)
    total = agg["items"][0]["reports"] if st == 200 and agg["items"] else 0
    check("stats: total analysed reports", st == 200 and total >= 8, agg)
    st, agg, _ = node.json("GET", "/api/v1/stats?dimension=domain&by=day", token=ta)
    check("stats: registrable domains by day", st == 200 and any(
        x["value"] == "shop-deals.com" and len(x["day"]) == 10 for x in agg["items"]), agg)
    st, _, _ = node.json("GET", "/api/v1/stats?dimension=colour", token=ta)
    check("stats: unknown dimension 400", st == 400)
    st, c, _ = node.json("GET", f"/api/v1/campaigns/{camp}", token=ta)
    check("campaign detail names categories, origins and top indicators",
          st == 200 and c["categories"] and c["top_indicators"] and "origin_countries" in c, c)

    # Isolation: bob (agency-b, admin) and agency-b's token see nothing of agency-a by any route.
    st, _, bcookie = sign_in(node, "bob", bob_pw)
    b = {"Cookie": bcookie, "X-Lapis-Request": "1"}
    for method, path in [("GET", f"/api/v1/reports/{rid}"), ("GET", f"/api/v1/reports/{rid}/raw"),
                         ("GET", f"/api/v1/campaigns/{camp}")]:
        st, _, _ = node.req(method, path, headers=b)
        check(f"another organisation's admin: {method} {path.split('/')[3]}/... 404", st == 404, st)
    st, lst, _ = node.json("GET", "/api/v1/reports?limit=500", headers=b)
    check("another organisation lists none of the reports", st == 200 and lst["items"] == [], st)
    st, lst, _ = node.json("GET", "/api/v1/reports?organisation=agency-a", headers=b)
    check("naming another organisation in a filter: 403", st == 403, st)
    st, lst, _ = node.json("GET", "/api/v1/campaigns", headers=b)
    check("another organisation lists none of the campaigns", st == 200 and lst["items"] == [], lst)
    st, agg, _ = node.json("GET", "/api/v1/stats", headers=b)
    check("another organisation counts none of the reports", st == 200 and agg["items"] == [], agg)
    st, s, _ = node.json("GET", "/api/v1/indicators?type=ip&value=81.2.69.1", headers=b)
    check("another organisation's indicator lookup finds nothing", st == 200 and s["reports"] == 0, s)
    st, lst, _ = node.json("GET", "/api/v1/users", headers=b)
    check("another organisation's admin sees only its own users",
          st == 200 and [u["name"] for u in lst["items"]] == ["bob"], lst)
    st, _, _ = node.json("PATCH", "/api/v1/users/alice", {"role": "reporter"}, headers=b)
    check("another organisation's admin cannot change alice", st == 404, st)
    st, lst, _ = node.json("GET", "/api/v1/tokens", headers=b)
    check("another organisation's admin sees only its own token", st == 200 and len(lst["items"]) == 1
          and lst["items"][0]["id"] != t["id"], lst)
    st, lst, _ = node.json("GET", "/api/v1/audit?limit=500", headers=b)
    check("another organisation's audit log holds none of agency-a's reads",
          st == 200 and not any(e["target"] == rid for e in lst["items"]), st)

    # User administration: roles, disabling, own password.
    st, u, _ = node.json("PATCH", "/api/v1/users/a-analyst", {"disabled": True},
                         headers={"Cookie": cookie, "X-Lapis-Request": "1"})
    check("the admin disables a user", st == 200 and u["disabled"] is True, (st, u))
    st, _, _ = node.req("GET", "/api/v1/reports", token=tokens["analyst"])
    check("a disabled user's session ends at once", st == 401, st)
    st, _, _ = node.json("PATCH", "/api/v1/users/alice", {"role": "analyst"},
                         headers={"Cookie": cookie, "X-Lapis-Request": "1"})
    check("the last administrator cannot be demoted", st == 403, st)
    st, _, _ = node.json("PATCH", "/api/v1/users/a-reporter", {"password": "a new password 1", "current_password": "no"},
                         token=tokens["reporter"])
    check("changing one's own password needs the current one", st == 403, st)
    st, _, _ = node.json("PATCH", "/api/v1/users/a-partner", {"role": "admin"}, token=tokens["reporter"])
    check("a reporter cannot change other users", st == 403, st)

    # Audit log.
    st, lst, _ = node.json("GET", "/api/v1/audit?limit=500", headers={"Cookie": cookie})
    actions = {e["action"] for e in lst["items"]} if st == 200 else set()
    check("the audit log records sign-ins, reads and downloads of evidence and changes",
          {"session.create", "session.denied", "report.read", "report.download", "user.create", "user.update",
           "token.create", "token.revoke"} <= actions, actions)
    st, _, _ = node.req("DELETE", "/api/v1/session", headers={"Cookie": cookie, "X-Lapis-Request": "1"})
    check("sign-out: 204", st == 204, st)
    st, _, _ = node.req("GET", "/api/v1/session", headers={"Cookie": cookie})
    check("the session has ended", st == 401, st)
    # Throttling of guessing (last: it blocks this client's address for a while).
    codes = [sign_in(node, "bob", f"guess number {i}")[0] for i in range(7)]
    st, _, raw, hdrs = node.req("POST", "/api/v1/session", json.dumps({"user": "bob", "password": bob_pw}).encode(),
                                ctype="application/json", full=True)
    check("repeated failed sign-ins are throttled with 429 and Retry-After, even with the right password",
          codes[0] == 401 and codes[-1] == 429 and st == 429 and int(hdrs.get("Retry-After", "0")) > 0, (codes, st))


def tamper_audit(node, database):
    """Changes one audit entry behind the node's back, as someone with database access could."""
    if database:
        sql = ("ALTER TABLE audit_log DISABLE TRIGGER USER; UPDATE audit_log SET target = 'forged' WHERE seq = 2; "
               "ALTER TABLE audit_log ENABLE TRIGGER USER;")
        subprocess.run(["psql", database, "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True)
    else:
        import sqlite3
        db = sqlite3.connect(os.path.join(node.data, "lapis.db"))
        db.execute("DROP TRIGGER audit_log_no_update")
        db.execute("UPDATE audit_log SET target = 'forged' WHERE seq = 2")
        db.commit()
        db.close()


def web_app(node, tmp):
    """The web application served by `lapis serve --web DIR`: its files with content types, cache
    headers and the Content-Security-Policy; index.html for application routes; /api stays the API."""
    web = os.path.join(tmp, "web")
    os.makedirs(os.path.join(web, "assets"))
    index = b"<!doctype html><title>Lapis</title><script type=module src=/assets/app-ABCD1234.js></script>"
    with open(os.path.join(web, "index.html"), "wb") as f:
        f.write(index)
    with open(os.path.join(web, "assets", "app-ABCD1234.js"), "wb") as f:
        f.write(b"document.title = 'x';")
    node.start("--web", web)
    st, ct, body, hdrs = node.req("GET", "/", full=True)
    csp = hdrs.get("Content-Security-Policy", "")
    check("/ is the web application (HTML)", st == 200 and ct.startswith("text/html") and body == index, (st, ct))
    check("the page carries a strict Content-Security-Policy", "script-src 'self';" in csp and
          "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, csp)
    check("the page is revalidated (no-cache, ETag), never sniffed", hdrs.get("Cache-Control") == "no-cache" and
          hdrs.get("ETag") and hdrs.get("X-Content-Type-Options") == "nosniff", dict(hdrs))
    st, _, _, _ = node.req("GET", "/", headers={"If-None-Match": hdrs.get("ETag", "")}, full=True)
    check("a matching If-None-Match: 304", st == 304, st)
    for route in ["/inbox", "/reports/" + "a" * 64, "/campaigns/3", "/dashboard"]:
        st, ct, body = node.req("GET", route)
        check(f"application route {route} answers the page", st == 200 and body == index, (st, ct))
    st, ct, body, hdrs = node.req("GET", "/assets/app-ABCD1234.js", full=True)
    check("hashed assets: JavaScript, cached as immutable", st == 200 and ct.startswith("text/javascript") and
          "immutable" in hdrs.get("Cache-Control", ""), (st, ct, hdrs.get("Cache-Control")))
    st, ct, _ = node.req("GET", "/assets/app-missing.js")
    check("a missing asset: 404, not the page", st == 404, (st, ct))
    st, ct, body = node.req("GET", "/api/v1/nothing")
    check("an unknown /api route is still a problem+json 404", st == 404 and ct.startswith("application/problem+json"))
    st, _, _ = node.req("GET", "/api/v1/reports")
    check("/api keeps asking for a caller", st == 401, st)
    node.stop()
    p = subprocess.run([node.lapis, "serve", *node.args(), "--listen", "127.0.0.1:0", "--web", os.path.join(tmp, "none")],
                       capture_output=True, text=True, timeout=60)
    check("--web naming a directory without index.html is a usage error", p.returncode == 2 and "index.html" in p.stderr,
          (p.returncode, p.stderr[-300:]))
    node.start("--no-web")
    st, _, _ = node.req("GET", "/")
    check("--no-web: the API only", st == 404, st)
    node.stop()


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
        before = len(json.loads(node.req("GET", "/api/v1/reports?limit=500", token=ta)[2])["items"])
        for name, body_, ctype, want in [
                ("malformed JSON", b"{not json", "application/json", 400),
                ("empty body", b"", "message/rfc822", 400),
                ("unsupported type", b"hello", "text/plain", 415),
                ("SMS report without text", b'{"sender": "+447700900123"}', "application/json", 400),
                ("JSON that is not an object", b"[1, 2, 3]", "application/json", 400),
                ("two SMS reports in one request", b'{"text": "a"}\n{"text": "b"}', "application/json", 400)]:
            st, ct, body = node.req("POST", "/api/v1/reports", body_, ta, ctype)
            check(f"{name}: {want} problem+json", st == want and ct.startswith("application/problem+json")
                  and json.loads(body)["status"] == want, (st, ct, body[:200]))
        after = len(json.loads(node.req("GET", "/api/v1/reports?limit=500", token=ta)[2])["items"])
        check("malformed submissions leave the store unchanged", before == after, (before, after))
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
        st, _, body = node.req("GET", "/api/v1/reports?with=origin&limit=500", token=ta)
        items = json.loads(body)["items"] if st == 200 else []
        mine = [x for x in items if x["id"] == rid]
        check("with=origin: each report carries its origin (ip, country, network)",
              st == 200 and mine and rep and mine[0]["origin"] is not None
              and mine[0]["origin"]["ip"] == rep["analysis"]["origin"]["ip"]
              and mine[0]["origin"]["country"] == rep["analysis"]["origin"]["country"]
              and mine[0]["origin"]["asn"] == rep["analysis"]["origin"]["asn"]
              and "analysis" not in mine[0], mine[:1])
        st, _, body = node.req("GET", "/api/v1/reports", token=ta)
        check("without with=origin the list carries no origin", st == 200 and
              all("origin" not in x for x in json.loads(body)["items"]))
        st, _, _ = node.req("GET", "/api/v1/reports?with=everything", token=ta)
        check("an unknown with: 400", st == 400, st)
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
        values = dict(l.split(" ", 1) for l in body.decode().splitlines() if l and not l.startswith("#"))
        commits, committed = int(values.get("lapis_intake_commits_total", 0)), int(values.get("lapis_intake_committed_total", 0))
        check("the intake's group commits are counted, each holding at least one submission",
              1 <= commits <= committed and committed >= int(values["lapis_reports_received_total"]), (commits, committed))
        check("the CPU time of analysing and of saving analyses is counted",
              float(values.get("lapis_analysis_cpu_seconds_total", 0)) > 0
              and float(values.get("lapis_analysis_save_cpu_seconds_total", 0)) > 0,
              {k: v for k, v in values.items() if "cpu" in k})
        # A client keeps its connection for many requests (not httplib's default of five).
        conn = http.client.HTTPConnection(node.base.split("//", 1)[1], timeout=30)
        closes = []
        for _ in range(20):
            conn.request("GET", "/metrics")
            resp = conn.getresponse()
            resp.read()
            closes.append((resp.getheader("Connection") or "").lower() == "close")
        conn.close()
        check("a keep-alive connection serves 20 requests without being closed", not any(closes), closes)
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
                ("GET", "/api/v1/indicators"), ("GET", "/metrics"), ("GET", "/api/v1/openapi.json"),
                ("GET", "/api/v1/stats"), ("POST", "/api/v1/session"), ("GET", "/api/v1/session"),
                ("DELETE", "/api/v1/session"), ("GET", "/api/v1/users"), ("POST", "/api/v1/users"),
                ("PATCH", "/api/v1/users/{name}"), ("GET", "/api/v1/tokens"), ("POST", "/api/v1/tokens"),
                ("DELETE", "/api/v1/tokens/{id}"), ("GET", "/api/v1/audit")}
        check("OpenAPI documents every route used here", used <= documented, used - documented)
        for method, path in sorted(documented):
            p = path.replace("{id}", str(camp) if path.startswith("/api/v1/campaigns/") else rid if path.startswith("/api/v1/reports/") else "1")
            p = p.replace("{name}", "nobody").replace("{n}", "0").replace("{report}", "a" * 64)
            st, ct, body = node.req(method, p, b"x" if method in ("POST", "PATCH") else None, ta, "text/plain")
            check(f"documented route {method} {path} exists", b"no such route" not in body, (st, body[:100]))
        users_roles_and_isolation(node, ta, rid, camp)
        st, _, body = node.req("GET", "/api/v1/nothing", token=ta)
        check("unknown route: 404 problem+json", st == 404 and json.loads(body)["status"] == 404)
        time.sleep(0.2)
        check("every request is logged as a structured line (logfmt)", any(
            "event=http.request" in l and "method=GET" in l and "status=200" in l and "org=agency-a" in l
            for l in node.log), node.log[-3:])
        check("query strings (what analysts searched for) stay out of the log",
              not any("watches" in l for l in node.log))
        # Clean shutdown; what was acknowledged is there after a restart.
        m9 = msg(9)
        st, _, _ = node.req("POST", "/api/v1/reports", m9, ta, "message/rfc822")
        rc = node.stop()
        check("SIGTERM stops the server with status 0", rc == 0, rc)
        node.start()
        st, _, body = node.req("GET", f"/api/v1/reports/{hashlib.sha256(m9).hexdigest()}", token=ta)
        check("a report acknowledged before the stop is there after the restart", st == 200)
        node.stop()
        # Overload: a node that only takes reports in (--jobs 0) refuses them once --max-pending wait.
        node.start("--jobs", "0", "--max-pending", "2")
        codes = []
        for i in range(70, 74):
            st, _, raw, hdrs = node.req("POST", "/api/v1/reports", msg(i), ta, "message/rfc822", full=True)
            codes.append((st, hdrs.get("Retry-After")))
        check("overload: submissions beyond --max-pending answer 503 with Retry-After, none half-accepted",
              [c[0] for c in codes] == [202, 202, 503, 503] and codes[2][1] == "30", codes)
        refused = hashlib.sha256(msg(72)).hexdigest()
        st, _, _ = node.req("GET", f"/api/v1/reports/{refused}", token=ta)
        check("a refused report was not stored", st == 404, st)
        node.stop()
        web_app(node, tmp)
        p = node.run("audit", "verify")
        check("lapis audit verify: the chain is intact", p.returncode == 0 and "intact" in p.stdout, p.stdout + p.stderr)
        tamper_audit(node, a.database)
        p = node.run("audit", "verify")
        check("lapis audit verify finds a changed entry", p.returncode == 1 and "BROKEN at entry 2" in p.stdout,
              p.stdout + p.stderr)
    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
