#!/usr/bin/env python3
"""A network of three Lapis nodes on 127.0.0.1, each its own process with its own data directory:
node-a (the secretariat, agency-a), node-b (agency-b) and node-c (agency-c).

- The roster: made on node-a from the other nodes' identities, installed on node-b and node-c.
- Organisations' messages from node-a to node-b and the answer back, through the API.
- A case shared with agency-b reaching it, and withdrawn from it;
- A membership application on node-a seen by node-b's agencies, objected to from node-b, and refused;
- Directory entries of each node's organisations reaching the others; a referral from agency-a to
  agency-b on node-b (its receipt, acceptance and outcome coming back), an assistance request's
  whole lifecycle under an agreement, and a request for information to a company on node-b.
- node-b stopped for --down-seconds while agency-a sends 1,000 messages in four conversations;
  node-a's status says why each delivery fails; node-b restarted: every message exactly once, in
  order per conversation.
- kill -9 of node-a in the middle of sending to node-c; restarted: every acknowledged message
  reaches node-c exactly once, in order, and nothing that was not sent.
- Refused, each with its reason visible in node-b's status: a replayed, a tampered, an unsigned
  and a misaddressed envelope sent over node-a's TLS identity, a node not on the roster, and
  node-c after the secretariat revoked it.

  network_test.py --lapis BINARY [--down-seconds S]
"""
import argparse
import json
import os
import re
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
from api_test import Node, check, FAILURES  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FedNode(Node):
    def __init__(self, lapis, data, name, orgs):
        super().__init__(lapis, data, "")
        self.name, self.orgs = name, orgs
        self.fed_port = free_port()
        self.endpoint = f"https://127.0.0.1:{self.fed_port}"
        self.tokens = {}

    def cli(self, *args, stdin=None):
        p = subprocess.run([self.lapis, *args], input=stdin, capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def start_fed(self):
        self.start("--federation-listen", f"127.0.0.1:{self.fed_port}", "--objection-period", "15")

    def send(self, org, to, text, conversation="", subject=""):
        body = {"to": to, "text": text, "subject": subject}
        if conversation:
            body["conversation"] = conversation
        return self.json("POST", "/api/v1/federation/messages", body, token=self.tokens[org])

    def messages(self, org, conversation=""):
        """Every message of the organisation (of one conversation), newest first, page by page."""
        out, cursor = [], ""
        while True:
            q = "?limit=200" + (f"&conversation={conversation}" if conversation else "") + \
                (f"&cursor={cursor}" if cursor else "")
            st, body, _ = self.json("GET", "/api/v1/federation/messages" + q, token=self.tokens[org])
            assert st == 200, (st, body)
            out += body["items"]
            cursor = body.get("next_cursor")
            if not cursor:
                return out

    def status(self):
        st, body, _ = self.json("GET", "/api/v1/federation/status", token=self.tokens["admin"])
        assert st == 200, (st, body)
        return body

    def peer(self, name):
        for p in self.status()["peers"]:
            if p["name"] == name:
                return p
        return {}

    def db(self):
        c = sqlite3.connect(f"file:{self.data}/lapis.db?mode=ro", uri=True, timeout=30)
        return c


def wait_for(pred, seconds=60, step=0.2):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if pred():
                return True
        except (AssertionError, OSError, urllib.error.URLError):
            pass
        time.sleep(step)
    return pred()


def deliver_raw(target, cert, key, envelopes):
    """POSTs envelopes to a node's federation listener with the given TLS identity."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.load_cert_chain(cert, key)
    body = ('{"messages":[' + ",".join(envelopes) + "]}").encode()
    r = urllib.request.Request(target.endpoint + "/federation/v1/messages", data=body, method="POST")
    r.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(r, timeout=30, context=ctx) as resp:
            doc = json.loads(resp.read())
            return resp.status, json.loads(doc["signed"])["receipts"]
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    ap.add_argument("--down-seconds", type=float, default=150)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        A = FedNode(a.lapis, os.path.join(tmp, "a"), "node-a", ["agency-a"])
        B = FedNode(a.lapis, os.path.join(tmp, "b"), "node-b", ["agency-b", "isp-b"])
        C = FedNode(a.lapis, os.path.join(tmp, "c"), "node-c", ["agency-c"])
        nodes = [A, B, C]
        try:
            run(a, tmp, A, B, C, nodes)
        finally:
            for n in nodes:  # whatever happened, no node outlives the test
                if n.proc and n.proc.poll() is None:
                    n.proc.kill()
                    n.proc.wait()
    print(f"{len(FAILURES)} failures")
    return 1 if FAILURES else 0


def run(a, tmp, A, B, C, nodes):
    if True:
        for n in nodes:
            n.tokens["admin"] = n.token(n.orgs[0], "admin")
            for org in n.orgs:
                n.tokens[org] = n.token(org, "analyst")

        # The roster: node-a is the secretariat; the others send it their identities.
        rc, _, err = A.cli("federation", "roster", "init", "--data", A.data, "--network", "test-network",
                           "--name", "node-a", "--endpoint", A.endpoint, "--org", "agency-a")
        check("the secretariat makes the network's first roster", rc == 0, err)
        for n in (B, C):
            orgs = [x for o in n.orgs for x in ("--org", o)]
            rc, entry, err = n.cli("federation", "identity", "--data", n.data, "--name", n.name,
                                   "--endpoint", n.endpoint, *orgs)
            check(f"{n.name} prints its identity", rc == 0 and "tls_key" in entry, err)
            rc, _, err = A.cli("federation", "roster", "add", "--data", A.data, "--entry", "-", stdin=entry)
            check(f"the secretariat admits {n.name}", rc == 0, err)
        rc, shown, err = A.cli("federation", "roster", "show", "--data", A.data)
        roster = json.loads(shown)
        check("the roster names three nodes, serial 3", len(roster["nodes"]) == 3 and roster["serial"] == 3, shown)
        secretariat_key = roster["secretariat_key"]
        roster_file = os.path.join(A.data, "federation", "roster.json")
        rc, _, err = B.cli("federation", "roster", "install", "--data", B.data, "--secretariat-key", "00" * 32,
                           roster_file)
        check("a roster is not installed with another key than the secretariat's", rc != 0, err)
        for n in (B, C):
            rc, _, err = n.cli("federation", "roster", "install", "--data", n.data, "--secretariat-key",
                               secretariat_key, roster_file)
            check(f"{n.name} installs the roster", rc == 0, err)
        for n in nodes:
            n.start_fed()
        check("every node knows its name", all(n.status()["node"] == n.name for n in nodes),
              [n.status()["node"] for n in nodes])

        # A referral-like exchange: agency-a writes to agency-b, agency-b answers.
        st, sent, _ = A.send("agency-a", "agency-b", "Campaign 42 originates in your network", subject="Referral")
        check("a message to another node is accepted (202)", st == 202 and sent["to_node"] == "node-b", sent)
        conv = sent["conversation"]
        check("it reaches agency-b", wait_for(lambda: len(B.messages("agency-b", conv)) == 1))
        got = B.messages("agency-b", conv)[0]
        check("as agency-a wrote it", got["from"] == "agency-a" and got["node"] == "node-a"
              and got["text"].startswith("Campaign 42"), got)
        st, _, _ = B.send("agency-b", "agency-a", "We take it", conversation=conv, subject="Re: Referral")
        check("agency-b answers in the same conversation", st == 202)
        check("the answer reaches agency-a", wait_for(lambda: len(A.messages("agency-a", conv)) == 2))
        mine = A.messages("agency-a", conv)
        check("agency-a sees its message delivered and the answer",
              mine[0]["direction"] == "in" and mine[0]["text"] == "We take it" and mine[1]["delivery"] == "delivered",
              mine)

        # A share with an AMBER marking for agency-b only: it reaches node-b, where only agency-b
        # sees it; its update and its withdrawal reach the copy.
        spam = (b"From: Parcel Service <track@parcel-notice.example>\r\nTo: someone@example.org\r\n"
                b"Subject: Your parcel is waiting\r\nMessage-ID: <fed-1@parcel-notice.example>\r\n"
                b"Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\nPay the customs fee at http://parcel-notice.example/pay\r\n")
        st, _, body = A.req("POST", "/api/v1/reports", spam, A.tokens["agency-a"], "message/rfc822")
        rid = json.loads(body)["id"]
        check("node-a analyses a report",
              wait_for(lambda: A.json("GET", f"/api/v1/reports/{rid}", token=A.tokens["agency-a"])[1].get("analysis")))
        st, share, _ = A.json("POST", "/api/v1/shares", {
            "title": "Parcel scam", "summary": "customs-fee phishing", "reports": [rid], "tlp": "AMBER",
            "audience": {"kind": "organisations", "organisations": ["agency-b"]}}, token=A.tokens["agency-a"])
        check("agency-a shares it with agency-b (AMBER)", st == 201, share)

        def copies(n, org):
            st, body, _ = n.json("GET", "/api/v1/federation/shares", token=n.tokens[org])
            assert st == 200, body
            return body["items"]

        check("the share reaches agency-b on node-b", wait_for(lambda: len(copies(B, "agency-b")) == 1, 30))
        got = copies(B, "agency-b")[0]
        check("with its marking, audience and origin", got["tlp"] == "AMBER" and got["origin_node"] == "node-a"
              and got["organisation"] == "agency-a" and got["reports_held"] == 1, got)
        st, one, _ = B.json("GET", f"/api/v1/federation/shares/node-a/{share['id']}", token=B.tokens["agency-b"])
        check("agency-b reads the shared report's analysis, without personal data",
              st == 200 and one["reports"][0]["analysis"] is not None and "personal_data" not in one["reports"][0]
              and "someone@example.org" not in json.dumps(one.get("reports", [])[0].get("subject", "")), one)
        check("isp-b, on the same node but not named, does not see it", copies(B, "isp-b") == [])
        st, _, _ = B.json("GET", f"/api/v1/federation/shares/node-a/{share['id']}", token=B.tokens["isp-b"])
        check("nor can it read it (404)", st == 404)
        check("node-c gets nothing", copies(C, "agency-c") == [])
        st, upd, _ = A.json("PATCH", f"/api/v1/shares/{share['id']}", {"title": "Parcel scam, 2nd wave",
                            "version": share["version"]}, token=A.tokens["agency-a"])
        check("agency-a updates the share", st == 200, upd)
        check("the update reaches the copy",
              wait_for(lambda: copies(B, "agency-b")[0]["title"] == "Parcel scam, 2nd wave", 30), copies(B, "agency-b"))
        st, upd, _ = A.json("PATCH", f"/api/v1/shares/{share['id']}", {"status": "withdrawn",
                            "version": upd["version"]}, token=A.tokens["agency-a"])
        check("agency-a withdraws the share", st == 200, upd)
        check("the withdrawal reaches the copy, which no longer holds the reports",
              wait_for(lambda: copies(B, "agency-b")[0]["status"] == "withdrawn"
                       and copies(B, "agency-b")[0]["reports_held"] == 0, 30), copies(B, "agency-b"))

        st, s2, _ = A.json("POST", "/api/v1/shares", {
            "title": "Loan scam", "summary": "advance fee", "reports": [rid], "tlp": "AMBER",
            "audience": {"kind": "organisations", "organisations": ["agency-b"]}}, token=A.tokens["agency-a"])
        check("a second share for agency-b arrives", st == 201 and wait_for(
            lambda: any(c["title"] == "Loan scam" for c in copies(B, "agency-b")), 30))
        st, s2, _ = A.json("PATCH", f"/api/v1/shares/{s2['id']}", {
            "audience": {"kind": "organisations", "organisations": ["isp-b", "agency-c"]}, "version": s2["version"]},
            token=A.tokens["agency-a"])
        check("agency-a changes its audience to isp-b and agency-c", st == 200, s2)
        check("agency-b no longer sees it, isp-b and agency-c do", wait_for(
            lambda: not any(c["title"] == "Loan scam" for c in copies(B, "agency-b"))
            and [c["title"] for c in copies(B, "isp-b")] == ["Loan scam"]
            and [c["title"] for c in copies(C, "agency-c")] == ["Loan scam"], 30),
            (copies(B, "agency-b"), copies(B, "isp-b"), copies(C, "agency-c")))

        # A case shared with agency-b: its copy on node-b with the harm score and the analyses, and
        # gone from agency-b's view once agency-a keeps the case to itself again.
        st, case, _ = A.json("POST", "/api/v1/cases", {
            "title": "Parcel customs-fee phishing", "summary": "wave of 30 November", "reports": [rid],
            "tlp": "AMBER", "audience": {"kind": "organisations", "organisations": ["agency-b"]}},
            token=A.tokens["agency-a"])
        check("agency-a opens a case shared with agency-b", st == 201, case)

        def cases(n, org):
            st, body, _ = n.json("GET", "/api/v1/federation/shares?type=case", token=n.tokens[org])
            assert st == 200, body
            return body["items"]

        check("the case reaches agency-b on node-b", wait_for(lambda: len(cases(B, "agency-b")) == 1, 30))
        got = cases(B, "agency-b")[0]
        check("with its harm score and its report", got["type"] == "case" and "harm_score" in got["data"]
              and got["reports_held"] == 1 and got["status"] == "open", got)
        check("isp-b does not see it", cases(B, "isp-b") == [])
        st, upd, _ = A.json("PATCH", f"/api/v1/cases/{case['id']}", {
            "audience": {"kind": "organisation"}, "version": case["version"]}, token=A.tokens["agency-a"])
        check("agency-a keeps the case to itself again", st == 200, upd)
        def held(case_id):
            db = B.db()
            try:
                return db.execute("SELECT COUNT(*) FROM fed_mirror_reports WHERE origin_node = 'node-a' AND "
                                  "origin_id = ?", (case_id,)).fetchone()[0]
            finally:
                db.close()

        check("agency-b no longer sees it, and node-b no longer holds its report",
              wait_for(lambda: cases(B, "agency-b") == [] and held(case["id"]) == 0, 30), cases(B, "agency-b"))

        # Referrals and requests between nodes. Each node's directory entries reach the others.
        for n, org, kind, country in ((A, "agency-a", "agency", "FR"), (B, "agency-b", "agency", "DE"),
                                      (B, "isp-b", "partner", "DE"), (C, "agency-c", "agency", "IT")):
            rc, _, err = n.cli("directory", "set", "--data", n.data, "--org", org, "--kind", kind,
                               "--country", country)
            check(f"{n.name} writes {org}'s directory entry", rc == 0, err)

        def entry(n, org, who):
            st, body, _ = n.json("GET", f"/api/v1/organisations/{who}", token=n.tokens[org])
            return body if st == 200 else {}

        check("node-a's directory learns agency-b and isp-b from node-b", wait_for(
            lambda: entry(A, "agency-a", "agency-b").get("country") == "DE"
            and entry(A, "agency-a", "isp-b").get("kind") == "partner", 30),
            (entry(A, "agency-a", "agency-b"), entry(A, "agency-a", "isp-b")))
        check("and node-b learns agency-a", wait_for(lambda: entry(B, "agency-b", "agency-a").get("country") == "FR", 30))

        def inbox(n, org, kind):
            st, body, _ = n.json("GET", f"/api/v1/{kind}?box=in", token=n.tokens[org])
            assert st == 200, body
            return body["items"]

        def flow(n, org, kind, ident):
            st, body, _ = n.json("GET", f"/api/v1/{kind}/{ident}", token=n.tokens[org])
            return body if st == 200 else {}

        def step(n, org, kind, ident, to, **extra):
            return n.json("POST", f"/api/v1/{kind}/{ident}/transitions", {"to": to, **extra}, token=n.tokens[org])

        t_ref = time.time()
        st, ref, _ = A.json("POST", "/api/v1/referrals", {"to": "agency-b", "summary": "Parcel phishing sent from DE",
                                                          "country": "DE", "reports": [rid]}, token=A.tokens["agency-a"])
        check("agency-a refers a report to agency-b, on node-b", st == 201, ref)
        check("the referral reaches agency-b's inbox on node-b",
              wait_for(lambda: len(inbox(B, "agency-b", "referrals")) == 1, 30, 0.01))
        print(f"figure: a referral made on node-a was in agency-b's inbox on node-b {1000 * (time.time() - t_ref):.0f} ms "
              "later (sent by the once-a-second pass)")
        copy = inbox(B, "agency-b", "referrals")[0]
        check("from agency-a, saying where it came from",
              copy["organisation"] == "agency-a" and copy["federation"] == {"node": "node-a", "id": ref["id"]}
              and copy["status"] == "sent" and copy["summary"] == "Parcel phishing sent from DE", copy)
        check("isp-b, on the same node, does not see it", inbox(B, "isp-b", "referrals") == [] and
              B.json("GET", f"/api/v1/referrals/{copy['id']}", token=B.tokens["isp-b"])[0] == 404)
        st, reps, _ = B.json("GET", f"/api/v1/referrals/{copy['id']}/reports", token=B.tokens["agency-b"])
        check("agency-b reads the referred report's analysis, without personal data",
              st == 200 and len(reps["items"]) == 1 and reps["items"][0]["id"] == rid
              and reps["items"][0]["analysis"] and "personal_data" not in reps["items"][0]
              and not reps["personal_data_included"], reps)
        st, _, _ = B.json("GET", f"/api/v1/referrals/{copy['id']}/package", token=B.tokens["agency-b"])
        check("its evidence package is asked of node-a (409)", st == 409)
        check("agency-b's first read is its receipt, which reaches node-a",
              flow(B, "agency-b", "referrals", copy["id"])["status"] == "received"
              and wait_for(lambda: flow(A, "agency-a", "referrals", ref["id"])["status"] == "received", 30))
        t_step = time.time()
        st, body, _ = step(B, "agency-b", "referrals", copy["id"], "accepted")
        check("agency-b accepts it", st == 200, body)
        check("the acceptance reaches node-a", wait_for(
            lambda: flow(A, "agency-a", "referrals", ref["id"])["status"] == "accepted", 30, 0.01))
        print(f"figure: a step taken on node-b was seen on node-a {1000 * (time.time() - t_step):.0f} ms later")
        st, body, _ = step(B, "agency-b", "referrals", copy["id"], "closed",
                           outcome={"kind": "fine", "detail": "EUR 20,000 against the sender"})
        check("and closes it with an outcome", st == 200, body)
        check("the outcome reaches agency-a on node-a", wait_for(
            lambda: flow(A, "agency-a", "referrals", ref["id"]).get("outcome", {}).get("kind") == "fine", 30),
            flow(A, "agency-a", "referrals", ref["id"]))
        mine = flow(A, "agency-a", "referrals", ref["id"])
        check("with each step's time, and nothing left for agency-a to do",
              mine["status"] == "closed" and set(mine["timeline"]) >= {"sent", "received", "accepted", "closed"}
              and mine["next_steps"] == [], mine)
        st, notes, _ = A.json("GET", "/api/v1/notifications", token=A.tokens["agency-a"])
        events = [x.get("event") for x in notes.get("items", [])]
        check("agency-a was told of each step", {"referral.received", "referral.accepted", "referral.closed"}
              <= set(events), events)

        # An assistance request's whole lifecycle, under an agreement recorded on node-a.
        st, mou, _ = A.json("POST", "/api/v1/agreements", {
            "title": "MoU FR-DE on unsolicited messages", "instrument": "mou", "parties": ["agency-a", "agency-b"],
            "scope": ["mutual-assistance"]}, token=A.tokens["agency-a"])
        check("agency-a records its MoU with agency-b", st == 201, mou)
        st, rq, _ = A.json("POST", "/api/v1/requests", {
            "kind": "assistance", "to": "agency-b", "title": "Identify the sender of the parcel campaign",
            "description": "Who holds 198.51.100.7 on 30 November?", "legal_basis": "MoU FR-DE, article 3",
            "due": "2027-01-31T00:00:00Z", "priority": "high", "agreement": mou.get("id"),
            "actions": ["identify-sender", "preserve-data"]}, token=A.tokens["agency-a"])
        check("agency-a asks agency-b for assistance", st == 201, rq)
        check("the request reaches node-b", wait_for(lambda: len(inbox(B, "agency-b", "requests")) == 1, 30))
        rcopy = inbox(B, "agency-b", "requests")[0]
        check("with its actions, due time and priority",
              rcopy["actions"] == ["identify-sender", "preserve-data"] and rcopy["due_at"] == "2027-01-31T00:00:00Z"
              and rcopy["priority"] == "high" and rcopy["agreement"]["title"].startswith("MoU FR-DE"), rcopy)
        for to in ("acknowledged", "in-progress"):
            st, body, _ = step(B, "agency-b", "requests", rcopy["id"], to)
            check(f"agency-b: {to}", st == 200, body)
        st, body, _ = step(B, "agency-b", "requests", rcopy["id"], "answered",
                           answer="A customer of AS64500; its records are preserved for 180 days")
        check("agency-b answers", st == 200, body)
        check("the answer reaches agency-a", wait_for(
            lambda: flow(A, "agency-a", "requests", rq["id"]).get("answer", {}).get("text", "").startswith(
                "A customer of AS64500"), 30), flow(A, "agency-a", "requests", rq["id"]))
        check("agency-a's next step is to close it",
              [x["to"] for x in flow(A, "agency-a", "requests", rq["id"])["next_steps"]] == ["closed"])
        st, body, _ = step(A, "agency-a", "requests", rq["id"], "closed", outcome={"kind": "warning", "detail": ""})
        check("agency-a closes it with its outcome", st == 200, body)
        check("which reaches node-b", wait_for(
            lambda: flow(B, "agency-b", "requests", rcopy["id"]).get("status") == "closed", 30))

        # A request for information to a company on another node, and its answer.
        st, cq, _ = A.json("POST", "/api/v1/requests", {
            "kind": "company", "to": "isp-b", "title": "", "description": "Subscriber of 198.51.100.7",
            "legal_basis": "Code des postes, L34-5", "due": "", "priority": "",
            "subject": {"kind": "ip-subscriber", "ip": "198.51.100.7", "at": "2026-11-30T10:00:00Z"}},
            token=A.tokens["agency-a"])
        check("agency-a asks isp-b, a company on node-b", st == 201, cq)
        check("isp-b gets it", wait_for(lambda: len(inbox(B, "isp-b", "requests")) == 1, 30))
        ccopy = inbox(B, "isp-b", "requests")[0]
        check("agency-b does not see isp-b's request", inbox(B, "agency-b", "requests") == [rcopy] or
              all(x["id"] != ccopy["id"] for x in inbox(B, "agency-b", "requests")))
        for to in ("acknowledged",):
            step(B, "isp-b", "requests", ccopy["id"], to)
        st, body, _ = step(B, "isp-b", "requests", ccopy["id"], "answered", answer="Subscriber: a hosting customer")
        check("isp-b answers", st == 200, body)
        check("the answer reaches agency-a", wait_for(
            lambda: flow(A, "agency-a", "requests", cq["id"]).get("status") == "answered", 30))
        st, body, _ = step(B, "agency-b", "referrals", copy["id"], "declined", reason="late")
        check("a step the lifecycle does not allow is refused on the node where it is taken", st == 400, body)

        # A membership application on node-a: the agencies of node-b see it and one objects there.
        A.tokens["newcomer"] = A.token("newcomer", "admin")
        rc, _, err = A.cli("directory", "set", "--data", A.data, "--org", "newcomer", "--kind", "agency",
                           "--country", "ES", "--membership", "withdrawn")
        check("newcomer is not a member yet", rc == 0, err)
        st, app, _ = A.json("POST", "/api/v1/applications", {
            "kind": "agency", "country": "ES", "display_name": "Agencia N", "statement": "national regulator"},
            token=A.tokens["newcomer"])
        check("an organisation applies to join on node-a", st == 201, app)

        def apps(n, org):
            st, body, _ = n.json("GET", "/api/v1/federation/shares?type=application", token=n.tokens[org])
            assert st == 200, body
            return body["items"]

        check("agency-b, on node-b, sees the application", wait_for(lambda: len(apps(B, "agency-b")) == 1, 30))
        got = apps(B, "agency-b")[0]
        check("as an applicant sees it: who applies, until when, how many objected",
              got["organisation"] == "newcomer" and got["status"] == "open" and got["data"]["objection_count"] == 0
              and got["data"]["objections_until"] > 0 and got["data"]["country"] == "ES", got)
        check("isp-b, a company, does not see it", apps(B, "isp-b") == [])
        st, body, _ = B.json("POST", f"/api/v1/federation/applications/node-a/{app['id']}/objections",
                             {"reason": "not a public authority"}, token=B.tokens["admin"])
        check("agency-b objects from node-b", st == 202 and body["to_node"] == "node-a", (st, body))

        def app_on_a():
            return A.json("GET", f"/api/v1/applications/{app['id']}", token=A.tokens["admin"])[1]

        check("node-a records agency-b's objection", wait_for(
            lambda: [o["organisation"] for o in app_on_a().get("objections", [])] == ["agency-b"], 30), app_on_a())
        check("the copy on node-b counts it", wait_for(
            lambda: apps(B, "agency-b")[0]["data"]["objection_count"] == 1, 30), apps(B, "agency-b"))
        check("with an objection the application is refused when the period ends",
              wait_for(lambda: app_on_a().get("status") == "refused", 60), app_on_a())
        check("and node-b's copy says so", wait_for(lambda: apps(B, "agency-b")[0]["status"] == "refused", 30))
        st, body, _ = B.json("POST", f"/api/v1/federation/applications/node-a/{app['id']}/objections",
                             {"reason": "late"}, token=B.tokens["admin"])
        check("no objection once decided", st == 400, (st, body))

        # node-b down while 1,000 messages are sent to it.
        t0 = time.time()
        check("node-b stops cleanly", B.stop() == 0)
        convs = [f"bulk-{k}" for k in range(4)]
        for i in range(1000):
            st, _, _ = A.send("agency-a", "agency-b", str(i), conversation=convs[i % 4])
            if st != 202:
                check("every message is accepted while the peer is down", False, st)
                break
        check("node-a says why node-b gets nothing",
              wait_for(lambda: "cannot deliver to https://127.0.0.1" in A.peer("node-b").get("last_error", ""), 30),
              A.peer("node-b"))
        p = A.peer("node-b")
        check("node-a's status counts the queue", p.get("queued", 0) == 1000 and p.get("failures", 0) >= 1, p)
        rc, out, err = A.cli("federation", "status", "--data", A.data)
        check("lapis federation status shows the queue and the error",
              rc == 0 and '"queued": 1000' in out and "cannot deliver" in out, out + err)
        time.sleep(max(0, a.down_seconds - (time.time() - t0)))
        B.start_fed()
        down = time.time() - t0
        t1 = time.time()
        ok = wait_for(lambda: all(len(B.messages("agency-b", c)) == 250 for c in convs), 180, 0.5)
        check(f"after {down:.0f} s down, node-b has all 1,000 messages", ok,
              [len(B.messages("agency-b", c)) for c in convs])
        print(f"figure: 1,000 messages queued for {down:.0f} s reached node-b {time.time() - t1:.1f} s after it "
              "was back")
        for c in convs:
            texts = [int(m["text"]) for m in reversed(B.messages("agency-b", c))]
            check(f"conversation {c}: exactly once and in order", texts == sorted(set(texts)) and len(texts) == 250,
                  texts[:10])
        check("node-a's queue for node-b is empty", wait_for(lambda: A.peer("node-b").get("queued") == 0, 30),
              A.peer("node-b"))

        # kill -9 of node-a while it sends to node-c.
        acked, posted, lock, stop = [], [], threading.Lock(), threading.Event()

        def client(k):
            i = 0
            while not stop.is_set():
                text = f"{k}:{i}"
                with lock:
                    posted.append(text)
                try:
                    st, body, _ = A.send("agency-a", "agency-c", text, conversation=f"crash-{k}")
                    if st == 202:
                        with lock:
                            acked.append(text)
                except Exception:
                    return
                i += 1

        threads = [threading.Thread(target=client, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        time.sleep(3)
        A.proc.send_signal(signal.SIGKILL)
        A.proc.wait()
        stop.set()
        for t in threads:
            t.join()
        check("messages were acknowledged before the kill", len(acked) > 50, len(acked))
        A.start_fed()

        def c_texts():
            return [m["text"] for m in reversed(C.messages("agency-c"))]

        check("after the restart every acknowledged message reaches node-c",
              wait_for(lambda: set(acked) <= set(c_texts()), 120, 0.5), len(set(acked) - set(c_texts())))
        time.sleep(2)
        texts = c_texts()
        check("none twice", len(texts) == len(set(texts)), len(texts) - len(set(texts)))
        check("none that was not sent", set(texts) <= set(posted))
        for k in range(3):
            seq = [int(t.split(":")[1]) for t in texts if t.startswith(f"{k}:")]
            check(f"crash conversation {k} in order", seq == sorted(seq), seq[:10])

        # Refusals, each with its reason. Envelopes node-a really sent, from its outbox.
        db = A.db()
        to_b = db.execute("SELECT envelope FROM fed_outbox WHERE peer = 'node-b' AND type = 'org-message' "
                          "ORDER BY id LIMIT 1").fetchone()[0]
        to_c = db.execute("SELECT envelope FROM fed_outbox WHERE peer = 'node-c' ORDER BY id LIMIT 1").fetchone()[0]
        db.close()
        cert = os.path.join(A.data, "federation", "tls.crt")
        key = os.path.join(A.data, "federation", "tls.key")
        tampered = json.loads(to_b)
        tampered["payload"] = tampered["payload"].replace("Campaign 42", "Campaign 43")
        unsigned = json.loads(to_b)
        del unsigned["signature"]
        st, receipts = deliver_raw(B, cert, key, [to_b, json.dumps(tampered), json.dumps(unsigned), to_c])
        check("the receiver answers each envelope", st == 200 and len(receipts) == 4, receipts)
        if st == 200 and len(receipts) == 4:
            check("a replay is not applied again", receipts[0]["status"] == "duplicate", receipts[0])
            check("a tampered payload is refused", "tampered" in receipts[1].get("reason", ""), receipts[1])
            check("an unsigned envelope is refused", receipts[2].get("reason") == "unsigned", receipts[2])
            check("an envelope for another node is refused", "wrong recipient" in receipts[3].get("reason", ""),
                  receipts[3])
        stranger = os.path.join(tmp, "stranger")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", stranger + ".key", "-out", stranger + ".crt", "-days", "1", "-subj", "/CN=x"],
                       check=True, capture_output=True)
        st, problem = deliver_raw(B, stranger + ".crt", stranger + ".key", [to_b])
        check("a node not on the roster is turned away", st == 403 and "unknown node" in problem.get("detail", ""),
              (st, problem))
        rc, _, err = A.cli("federation", "roster", "revoke", "--data", A.data, "--name", "node-c",
                           "--reason", "left the network")
        check("the secretariat revokes node-c", rc == 0, err)
        check("node-b gets the new roster from the secretariat",
              wait_for(lambda: B.status().get("roster", {}).get("serial") == 4, 30), B.status().get("roster"))
        st, _, _ = C.send("agency-c", "agency-b", "from a revoked node")
        check("node-c (its roster is old) still queues a message to node-b", st == 202)
        check("node-c is told it was revoked",
              wait_for(lambda: "revoked sender" in C.peer("node-b").get("last_error", ""), 30), C.peer("node-b"))
        reasons = [r["reason"] for r in B.status()["refused"]]
        for what in ("replay:", "tampered", "unsigned", "wrong recipient", "unknown node", "revoked sender"):
            check(f"node-b's status shows the refusal: {what}", any(what in r for r in reasons), reasons)
        check("nothing refused was applied",
              not any(m["text"] == "from a revoked node" for m in B.messages("agency-b"))
              and len(B.messages("agency-b", conv)) == 2)
        rc, metrics_out, _ = 0, A.req("GET", "/metrics")[2].decode(), ""
        check("node-a's metrics count deliveries", re.search(r"lapis_federation_delivered_total [1-9]", metrics_out)
              is not None)
        for n in nodes:
            check(f"{n.name} stops cleanly", n.stop() == 0)


if __name__ == "__main__":
    sys.exit(main())
