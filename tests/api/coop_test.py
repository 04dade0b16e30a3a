#!/usr/bin/env python3
"""Cooperation between organisations on one node, through the HTTP API as the agencies would use
it: the directory, contacts, groups, agreements, cases with harm scores, tasks and notes,
evidence packages checked with `lapis evidence verify`, and who sees what.

  coop_test.py --lapis BINARY [--database URL]
"""
import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_test import Node, check, msg, wait_analysed, FAILURES  # noqa: E402


def directory(node, t):
    st, body, _ = node.json("GET", "/api/v1/session", token=t["p_admin"])
    check("the session says what the organisation is in the network and lists every permission",
          st == 200 and body["organisation_kind"] == "partner" and body["membership"] == "member"
          and "read the directory and shared cooperation objects" in body["permissions"]
          and "change the organisation's directory entry" in body["permissions"], (st, body))
    st, _, _ = node.json("PUT", "/api/v1/organisations/agency-a", {"display_name": "Autorité A"}, t["a"])
    check("an analyst may not change the directory entry", st == 403, st)
    st, body, _ = node.json("PUT", "/api/v1/organisations/agency-a",
                            {"display_name": "Autorité A", "competences": ["telecommunications", "consumer-protection"],
                             "languages": ["fr", "en"], "website": "https://a.example"}, t["a_admin"])
    check("an administrator updates the organisation's own entry", st == 200 and body["display_name"] == "Autorité A"
          and body["kind"] == "agency" and body["country"] == "FR", (st, body))
    st, _, _ = node.json("PUT", "/api/v1/organisations/agency-b", {"display_name": "x"}, t["a_admin"])
    check("no organisation changes another's entry", st == 403, st)
    st, _, _ = node.json("PUT", "/api/v1/organisations/agency-a", {"membership": "member"}, t["a_admin"])
    check("membership is not set through the entry", st == 400, st)
    st, _, _ = node.json("PUT", "/api/v1/organisations/agency-a", {"competences": ["astrology"]}, t["a_admin"])
    check("unknown competences are refused", st == 400, st)
    st, body, _ = node.json("PUT", "/api/v1/organisations/partner-p", {
        "display_name": "Example Telecom", "sector": "isps",
        "b4": {"domestic": "subscriber of an IP address at a time", "domestic_conditions": "court order",
               "foreign": "through the domestic agency only", "request_procedure": "signed PDF to abuse-le@example.net"}},
        t["p_admin"])
    check("a company records its LAP B.4 answers", st == 200 and body["b4"]["foreign"].startswith("through"), (st, body))
    st, body, _ = node.json("POST", "/api/v1/contacts", {"name": "Jeanne Martin", "role": "point-of-contact",
                                                         "email": "jm@a.example", "phone": "+33 1 23 45 67 89",
                                                         "languages": ["fr", "en"]}, t["a_admin"])
    check("an agency records its point of contact (LAP A.1)", st == 201 and body["organisation"] == "agency-a", (st, body))
    st, body, _ = node.json("POST", "/api/v1/contacts", {"name": "Abuse desk", "role": "spam-enforcement-contact",
                                                         "email": "abuse-le@example.net"}, t["p_admin"])
    check("a company records its single spam contact (LAP B.1)", st == 201, (st, body))
    st, body, _ = node.json("POST", "/api/v1/contacts", {"name": "X", "role": "boss"}, t["a_admin"])
    check("contact roles are checked", st == 400, (st, body))
    st, body, _ = node.json("POST", "/api/v1/resources", {"title": "ISP abuse desks", "sector": "isps",
                                                          "url": "https://example.net/desks"}, t["p_admin"])
    check("a sector resource list (LAP B.2)", st == 201, (st, body))
    st, body, _ = node.json("GET", "/api/v1/resources?sector=isps", token=t["b"])
    check("resources by sector", st == 200 and len(body["items"]) == 1, (st, body))
    st, body, _ = node.json("GET", "/api/v1/organisations?q=isps", token=t["b"])
    check("directory search", st == 200 and [o["name"] for o in body["items"]] == ["partner-p"], (st, body))
    st, body, _ = node.json("GET", "/api/v1/organisations?kind=agency&country=FR", token=t["b"])
    check("directory filters", st == 200 and [o["name"] for o in body["items"]] == ["agency-a"], (st, body))
    st, body, _ = node.json("GET", "/api/v1/organisations/partner-p", token=t["b"])
    check("an entry shows its contacts, resources and B.4 answers",
          st == 200 and body["contacts"][0]["email"] == "abuse-le@example.net" and len(body["resources"]) == 1
          and body["b4"]["domestic_conditions"] == "court order", (st, body))
    st, body, _ = node.json("GET", "/api/v1/contacts?role=point-of-contact", token=t["p"])
    check("contacts by role", st == 200 and [c["name"] for c in body["items"]] == ["Jeanne Martin"], (st, body))
    st, body, _ = node.json("GET", "/api/v1/organisations", token=t["out"])
    check("an organisation outside the network sees only itself",
          st == 200 and [o["name"] for o in body["items"]] == ["outsider"], (st, body))
    st, ct, raw = node.req("GET", "/api/v1/directory/export?format=csv", token=t["b"])
    lines = raw.decode().splitlines()
    check("directory export as CSV", st == 200 and ct.startswith("text/csv") and lines[0].startswith("organisation,")
          and any("Jeanne Martin" in l and "agency-a" in l for l in lines), (st, lines[:3]))
    st, ct, raw = node.req("GET", "/api/v1/directory/export?format=vcard", token=t["b"])
    text = raw.decode()
    check("directory export as vCard 4.0", st == 200 and text.count("BEGIN:VCARD") == 2 and "VERSION:4.0" in text
          and "FN:Jeanne Martin" in text and "EMAIL:jm@a.example" in text, text[:300])
    st, _, _ = node.req("GET", "/api/v1/directory/export?format=xml", token=t["b"])
    check("an unknown export format: 400", st == 400)


def agreements(node, t):
    st, body, _ = node.json("POST", "/api/v1/agreements", {
        "title": "MoU on spam enforcement cooperation", "instrument": "mou", "parties": ["agency-a", "agency-b"],
        "scope": ["information-sharing", "mutual-assistance"], "confidentiality": "as national law requires",
        "personal_data": True, "signed_at": "2025-06-01T00:00:00Z"}, t["a"])
    check("an agency records a bilateral MoU", st == 201 and body["parties"] == ["agency-a", "agency-b"], (st, body))
    mou = body["id"] if st == 201 else 0
    st, body, _ = node.json("POST", "/api/v1/agreements", {
        "title": "x", "instrument": "mou", "parties": ["agency-b", "agency-c"], "scope": ["information-sharing"]}, t["a"])
    check("an agency records only agreements it is party to, with parties in the directory", st == 400, (st, body))
    st, body, _ = node.json("POST", "/api/v1/agreements", {
        "title": "x", "instrument": "mou", "parties": ["partner-p"], "scope": ["information-sharing"]}, t["p_admin"])
    check("companies do not record agreements", st == 403, (st, body))
    st, body, _ = node.json("GET", "/api/v1/agreements?between=agency-b,agency-a", token=t["b"])
    check("the agreements that join two agencies", st == 200 and [a["id"] for a in body["items"]] == [mou], (st, body))
    st, body, _ = node.json("GET", "/api/v1/agreements?between=agency-a,partner-p", token=t["a"])
    check("none joins an agency and a company that signed nothing", st == 200 and body["items"] == [], (st, body))
    doc = b"%PDF-1.4\n% the signed memorandum\n"
    st, _, raw = node.req("PUT", f"/api/v1/agreements/{mou}/document", doc, t["a"], "application/pdf")
    check("the signed document is attached", st == 200, (st, raw[:200]))
    st, _, raw = node.req("GET", f"/api/v1/agreements/{mou}/document", token=t["b"])
    check("the other party downloads it", st == 200 and raw == doc, st)
    return mou


def cases(node, t, ids, camp):
    st, body, _ = node.json("POST", "/api/v1/cases", {
        "title": "Replica watches campaign", "summary": "shop-deals.com sells counterfeit watches",
        "campaigns": [camp], "assignees": ["alice"],
        "inputs": {"money_lost": 25000, "recipients": 1200, "countries": ["BE"]}}, t["a"])
    check("a case is made from a whole campaign in one action", st == 201 and body["counts"]["reports"] == len(ids)
          and body["counts"]["campaigns"] == 1, (st, body))
    case = body if st == 201 else {}
    factors = {f["name"]: f for f in case.get("harm", {}).get("factors", [])}
    check("the harm score shows each factor's contribution",
          set(factors) == {"complainants", "money_lost", "severity", "vulnerable_targets", "countries"}
          and abs(sum(f["points"] for f in factors.values()) - case["harm_score"]) < 0.5
          and "25000" in factors["money_lost"]["basis"], case.get("harm"))
    cid = case.get("id", 0)
    st, body, _ = node.json("POST", "/api/v1/cases", {"title": "small one", "reports": [ids[0]]}, t["a"])
    small = body.get("id", 0)
    st, body, _ = node.json("GET", "/api/v1/cases?sort=harm", token=t["a"])
    check("cases sort by harm, highest first", st == 200 and [c["id"] for c in body["items"]][:2] == [cid, small],
          (st, [(c["id"], c["harm_score"]) for c in body.get("items", [])]))
    st, body, _ = node.json("POST", f"/api/v1/cases/{small}/reports", {"reports": ids[1:3]}, t["a"])
    check("a case is extended with more reports", st == 200 and body["added_reports"] == 2
          and body["counts"]["reports"] == 3, (st, body))
    st, body, _ = node.json("POST", f"/api/v1/cases/{small}/reports", {"reports": ids[1:3]}, t["a"])
    check("adding the same reports again adds nothing", st == 200 and body["added_reports"] == 0, (st, body))
    st, body, _ = node.json("POST", f"/api/v1/cases/{small}/reports", {"reports": ["0" * 64]}, t["a"])
    check("an unknown report is refused", st == 400, (st, body))
    st, body, _ = node.json("POST", f"/api/v1/cases/{cid}/tasks",
                            {"title": "Ask the registrar", "assignee": "alice", "due": "2020-01-01T00:00:00Z"}, t["a"])
    check("a task with a due date", st == 201 and body["status"] == "open", (st, body))
    task = body.get("id", 0)
    st, body, _ = node.json("POST", f"/api/v1/cases/{cid}/notes", {"text": "Registrar is in BE; see the MoU."}, t["a"])
    check("a note", st == 201, (st, body))
    st, body, _ = node.json("GET", f"/api/v1/cases/{cid}", token=t["a"])
    check("the case shows its reports, tasks (overdue flagged) and notes",
          st == 200 and len(body["reports"]) == min(50, len(ids)) and body["tasks"][0]["overdue"] is True
          and body["notes"][0]["text"].startswith("Registrar") and body["reports"][0]["subject"].startswith("Cheap"),
          (st, {k: body.get(k) for k in ("tasks", "notes")}))
    st, body, _ = node.json("PATCH", f"/api/v1/tasks/{task}", {"status": "done"}, t["a"])
    check("a task is done", st == 200 and body["status"] == "done", (st, body))
    st, body, _ = node.json("GET", f"/api/v1/cases?q=counterfeit", token=t["a"])
    check("case search finds the summary's words", st == 200 and [c["id"] for c in body["items"]] == [cid], (st, body))
    st, body, _ = node.json("PATCH", f"/api/v1/cases/{small}", {"status": "closed"}, t["a"])
    check("closing a case needs an outcome", st == 400, (st, body))
    st, body, _ = node.json("PATCH", f"/api/v1/cases/{small}", {"status": "closed", "version": 1,
                                                                "outcome": {"kind": "fine"}}, t["a"])
    check("a stale version is refused with 409", st == 409, (st, body))
    st, body, _ = node.json("PATCH", f"/api/v1/cases/{small}",
                            {"status": "closed", "outcome": {"kind": "warning", "detail": "letter sent"}}, t["a"])
    check("a case closes with an outcome", st == 200 and body["status"] == "closed"
          and body["outcome"]["kind"] == "warning", (st, body))
    st, body, _ = node.json("GET", f"/api/v1/cases/{cid}/history", token=t["a"])
    actions = [e["action"] for e in body.get("items", [])]
    check("the case's history records who did what", st == 200 and actions[0] == "create" and "task.add" in actions
          and "note.add" in actions and all(e["actor"] for e in body["items"]), actions)
    st, body, _ = node.json("POST", "/api/v1/cases", {"title": "x", "reports": [ids[0]]}, t["p"])
    check("a company's user may not make cases", st == 403, (st, body))
    st, body, _ = node.json("POST", "/api/v1/cases", {"title": "x", "campaigns": [camp]}, t["b"])
    check("another agency cannot make a case of agency-a's campaign", st == 400, (st, body))
    return cid


def sharing(node, t, ids, group):
    """Who sees a case, by marking and audience, through detail, list and search."""
    made = {}
    for name, tlp, audience in [
            ("own", "RED", {"kind": "organisation"}),
            ("red-b", "RED", {"kind": "organisations", "organisations": ["agency-b"]}),
            ("green-agencies", "GREEN", {"kind": "agencies"}),
            ("green-net-minus-p", "GREEN", {"kind": "network", "exclude": ["partner-p"]}),
            ("clear-net", "CLEAR", {"kind": "network"}),
            ("amber-group", "AMBER", {"kind": "groups", "groups": [group]})]:
        st, body, _ = node.json("POST", "/api/v1/cases", {"title": f"sharing probe {name}", "tlp": tlp,
                                                          "audience": audience, "reports": [ids[0]]}, t["a"])
        check(f"case {name} made", st == 201, (st, body))
        made[name] = body.get("id")
    st, body, _ = node.json("POST", "/api/v1/cases", {"title": "x", "tlp": "RED", "audience": {"kind": "network"},
                                                      "reports": [ids[0]]}, t["a"])
    check("TLP:RED cannot go to the whole network", st == 400, (st, body))
    want = {"a": set(made), "b": {"red-b", "green-agencies", "green-net-minus-p", "clear-net"},
            "p": {"clear-net", "amber-group"}, "out": set()}
    for who, names in want.items():
        ok = True
        for name, cid in made.items():
            st, _, _ = node.json("GET", f"/api/v1/cases/{cid}", token=t[who])
            ok &= (st == 200) == (name in names)
            st, _, _ = node.json("GET", f"/api/v1/cases/{cid}/reports", token=t[who])
            ok &= (st == 200) == (name in names)
        st, body, _ = node.json("GET", "/api/v1/cases?q=probe&limit=100", token=t[who])
        listed = {c["title"].split()[-1] for c in body.get("items", [])}
        check(f"{who} sees exactly the cases shared with it (detail, reports, search)",
              ok and listed == names, (listed, names))
    # Narrowing the audience takes the case away at once.
    st, body, _ = node.json("PATCH", f"/api/v1/cases/{made['clear-net']}",
                            {"audience": {"kind": "organisation"}}, t["a"])
    st2, _, _ = node.json("GET", f"/api/v1/cases/{made['clear-net']}", token=t["p"])
    check("narrowing the audience withdraws the case", st == 200 and st2 == 404, (st, st2))
    st, _, _ = node.json("PATCH", f"/api/v1/cases/{made['red-b']}", {"title": "taken"}, t["b"])
    check("only the owner changes a case", st == 403, st)
    return made


def shares(node, t, ids, mou):
    st, body, _ = node.json("POST", "/api/v1/shares", {"title": "Watch sellers", "reports": ids[:3], "tlp": "AMBER",
                                                       "audience": {"kind": "organisations", "organisations": ["agency-b"]},
                                                       "agreement": mou}, t["a"])
    check("reports are shared with a named agency under an agreement", st == 201 and body["counts"]["reports"] == 3
          and body["agreement"]["personal_data"] is True, (st, body))
    sid = body.get("id", 0)
    st, body, _ = node.json("GET", "/api/v1/notifications?status=new", token=t["b"])
    check("the named agency is told", any(n["event"] == "share.received" and n["about_id"] == sid
                                          for n in body.get("items", [])), body)
    st, body, _ = node.json("GET", "/api/v1/shares?box=in", token=t["b"])
    st2, body2, _ = node.json("GET", "/api/v1/shares?box=out", token=t["b"])
    check("box=in lists what others shared, box=out the caller's own", [x["id"] for x in body["items"]] == [sid]
          and body2["items"] == [], (body, body2))
    st, body, _ = node.json("GET", f"/api/v1/shares/{sid}/reports?with=analysis", token=t["b"])
    check("under an agreement allowing it, the personal data goes with the shared reports",
          st == 200 and body["personal_data_included"] is True and "anna@example.org" in json.dumps(body), st)
    st, _, raw = node.req("GET", f"/api/v1/shares/{sid}/reports/{ids[0]}/raw", token=t["b"])
    check("...and the raw messages", st == 200 and raw.startswith(b"Received:"), st)
    st, body, _ = node.json("PATCH", f"/api/v1/shares/{sid}", {"summary": "updated", "version": 99}, t["a"])
    check("a stale version of a share is refused", st == 409, (st, body))
    st, body, _ = node.json("POST", "/api/v1/shares", {"title": "x", "reports": ids[:1], "agreement": 999999}, t["a"])
    check("a share cites an agreement that exists", st == 400, (st, body))


def meetings(node, t):
    st, body, _ = node.json("POST", "/api/v1/meetings", {
        "title": "Quarterly call, Q4", "kind": "quarterly-call", "starts_at": "2026-12-10T14:00:00Z",
        "connection": "bridge 1234",
        "agenda": [{"title": "Round table"},
                   {"title": "Operation against the watch sellers", "notes": "targets named",
                    "exclude": ["partner-p"]}]}, t["a"])
    check("a meeting with an agenda", st == 201 and len(body["agenda"]) == 2
          and body["agenda"][1]["exclude"] == ["partner-p"], (st, body))
    mid = body.get("id", 0)
    st, body, _ = node.json("GET", f"/api/v1/meetings/{mid}", token=t["p"])
    check("a partner left out of a segment sees only that there is one (LAP B.3)", st == 200
          and body["agenda"][0]["title"] == "Round table" and body["agenda"][1] == {"n": 2, "restricted": True}
          and "watch" not in json.dumps(body), (st, body))
    st, body, _ = node.json("GET", "/api/v1/meetings?q=watch", token=t["p"])
    check("...and cannot find the meeting by the segment's words", st == 200 and body["items"] == [], (st, body))
    st, body, _ = node.json("GET", f"/api/v1/meetings/{mid}", token=t["b"])
    check("other members see the whole agenda, not who is left out", st == 200
          and body["agenda"][1]["title"].startswith("Operation") and "exclude" not in body["agenda"][1], (st, body))
    st, body, _ = node.json("POST", "/api/v1/meetings", {"title": "x", "kind": "other",
                                                         "starts_at": "2026-12-10T14:00:00Z"}, t["p_admin"])
    check("meetings are called by agencies", st == 403, (st, body))
    st, body, _ = node.json("POST", "/api/v1/meetings", {"title": "x", "kind": "other", "starts_at": "2026-12-10",
                                                         "agenda": [{"notes": "no title"}]}, t["a"])
    check("a malformed meeting is refused", st == 400, (st, body))


def package(node, t, cid, ids, tmp):
    st, ct, raw = node.req("GET", f"/api/v1/cases/{cid}/package", token=t["a"])
    check("the evidence package is a zip", st == 200 and ct == "application/zip", (st, ct))
    path = os.path.join(tmp, "case.zip")
    with open(path, "wb") as f:
        f.write(raw)
    z = zipfile.ZipFile(io.BytesIO(raw))
    names = z.namelist()
    check("it holds every raw message, its analysis, the manifest, its signature and the custody log",
          sum(n.startswith("evidence/") for n in names) == len(ids) and sum(n.startswith("analysis/") for n in names)
          == len(ids) and {"manifest.json", "manifest.sig", "custody.json", "case.json"} <= set(names)
          and not any(n.startswith("personal/") for n in names), names[:8])
    custody = json.loads(z.read("custody.json"))
    check("the custody log says who made the case and who exported it",
          custody["case_history"][0]["action"] == "create" and custody["case_history"][-1]["action"] == "export"
          and len(custody["evidence"]) == len(ids), custody["case_history"][:2])
    key = subprocess.run([node.lapis, "node", "key", "--data", node.data], capture_output=True, text=True).stdout.strip()
    p = subprocess.run([node.lapis, "evidence", "verify", path, "--key", key], capture_output=True, text=True)
    check("lapis evidence verify: intact", p.returncode == 0 and "intact" in p.stdout, p.stdout + p.stderr)
    # One byte of one message changed.
    first = sorted(n for n in names if n.startswith("evidence/"))[0]
    data = z.read(first)
    at = raw.find(data)
    bad = bytearray(raw)
    bad[at + len(data) // 2] ^= 0x01
    badpath = os.path.join(tmp, "tampered.zip")
    with open(badpath, "wb") as f:
        f.write(bad)
    p = subprocess.run([node.lapis, "evidence", "verify", badpath, "--key", key], capture_output=True, text=True)
    check("one byte changed: verify fails and names the file", p.returncode == 1 and first in p.stdout, p.stdout)
    st, _, _ = node.req("GET", f"/api/v1/cases/{cid}/package?personal=1", token=t["b"])
    check("personal data is not exported to another organisation", st in (403, 404), st)
    st, ct, raw = node.req("GET", f"/api/v1/cases/{cid}/package?personal=1", token=t["a"])
    z = zipfile.ZipFile(io.BytesIO(raw))
    check("the owner's analyst may include personal data", st == 200
          and any(n.startswith("personal/") for n in z.namelist()), st)


def referrals(node, t, ids, camp, mou):
    st, body, _ = node.json("POST", "/api/v1/agreements", {
        "title": "FR-GB information sharing", "instrument": "mou", "parties": ["agency-a", "agency-gb"],
        "scope": ["information-sharing"], "personal_data": False}, t["a"])
    gb_mou = body.get("id", 0)
    st, body, _ = node.json("GET", f"/api/v1/referrals/proposal?campaign={camp}", token=t["a"])
    cands = body.get("candidates", []) if st == 200 else []
    check("a referral proposal names the origin country and its competent agency with the agreement that applies",
          st == 200 and any(c["country"] == "GB" for c in body["countries"]) and cands
          and cands[0]["organisation"] == "agency-gb" and cands[0]["agreements"][0]["id"] == gb_mou, (st, body))
    # A business advertised under a country-code domain points to that country's agency.
    de = (b"Received: from mx ([81.2.69.9]) by mx.example.org with SMTP id Z1; Thu, 22 Aug 2002 12:00:00 +0000\r\n"
          b"From: angebote@uhren-markt.de\r\nTo: anna@example.org\r\nSubject: Uhren billig\r\n"
          b"Message-ID: <z1@uhren-markt.de>\r\n\r\nJetzt kaufen: http://www.uhren-markt.de/angebot\r\n")
    st, _, raw = node.req("POST", "/api/v1/reports", de, t["a"], "message/rfc822")
    de_id = json.loads(raw)["id"]
    wait_analysed(node, t["a"], de_id)
    st, body, _ = node.json("GET", f"/api/v1/referrals/proposal?report={de_id}", token=t["a"])
    check("an advertised site under .de proposes the German agency, saying why",
          st == 200 and {"country": "DE", "basis": "domain", "domain": "uhren-markt.de"}.items()
          <= next((c for c in body["countries"] if c["country"] == "DE"), {}).items()
          and any(c["organisation"] == "agency-b" for c in body["candidates"]), (st, body))
    st, body, _ = node.json("POST", "/api/v1/referrals", {"to": "agency-gb", "campaigns": [camp], "agreement": gb_mou,
                                                          "summary": "Replica watches sent from GB networks"}, t["a"])
    check("a referral is sent", st == 201 and body["status"] == "sent" and body["counts"]["reports"] == len(ids)
          and body["personal_data"] is False, (st, body))
    rid = body.get("id", 0)
    st, body, _ = node.json("GET", "/api/v1/referrals?box=in", token=t["gb"])
    check("the receiving agency sees it in its queue", st == 200 and [r["id"] for r in body["items"]] == [rid], (st, body))
    st, body, _ = node.json("GET", f"/api/v1/referrals/{rid}", token=t["gb"])
    check("its first read by the receiving agency marks it received", st == 200 and body["status"] == "received"
          and body["timeline"]["received"].endswith("Z"), (st, body))
    check("the answer lists the steps the caller's side may take next",
          [a["to"] for a in body.get("next_steps", [])] == ["accepted", "declined"]
          and body["next_steps"][1]["needs"] == "reason", body.get("next_steps"))
    st, body, _ = node.json("GET", f"/api/v1/referrals/{rid}", token=t["a"])
    check("...and the other side's", [a["to"] for a in body.get("next_steps", [])] == ["withdrawn"], body.get("next_steps"))
    st, body, _ = node.json("GET", f"/api/v1/referrals/{rid}/reports?limit=5", token=t["gb"])
    items = body.get("items", [])
    check("without entitlement the referred reports come without the complainants' personal data",
          st == 200 and body["personal_data_included"] is False and len(items) == 5 and "analysis" in items[0]
          and "personal_data" not in items[0] and "anna@example.org" not in json.dumps(body), (st, str(body)[:300]))
    st, ct, raw = node.req("GET", f"/api/v1/referrals/{rid}/package", token=t["gb"])
    names = zipfile.ZipFile(io.BytesIO(raw)).namelist() if st == 200 else []
    check("...and its package holds analyses only (the raw messages name the recipients)",
          st == 200 and any(n.startswith("analysis/") for n in names)
          and not any(n.startswith(("evidence/", "personal/")) for n in names), names[:5])
    st, _, _ = node.json("GET", f"/api/v1/referrals/{rid}", token=t["b"])
    check("no other agency sees the referral", st == 404, st)
    st, body, _ = node.json("POST", f"/api/v1/referrals/{rid}/transitions", {"to": "accepted"}, t["a"])
    check("only the receiving agency accepts", st == 403, (st, body))
    st, body, _ = node.json("POST", f"/api/v1/referrals/{rid}/transitions", {"to": "closed"}, t["gb"])
    check("a referral is accepted before it is closed", st == 400 and "accepted" in body["detail"], (st, body))
    st, body, _ = node.json("POST", f"/api/v1/referrals/{rid}/transitions", {"to": "accepted"}, t["gb"])
    check("the receiving agency accepts", st == 200 and body["status"] == "accepted", (st, body))
    st, body, _ = node.json("POST", f"/api/v1/referrals/{rid}/transitions", {"to": "closed"}, t["gb"])
    check("closing needs an outcome", st == 400, (st, body))
    st, body, _ = node.json("POST", f"/api/v1/referrals/{rid}/transitions",
                            {"to": "closed", "outcome": {"kind": "fine", "detail": "GBP 80,000"}}, t["gb"])
    check("the receiving agency closes it with an outcome", st == 200 and body["status"] == "closed", (st, body))
    st, body, _ = node.json("GET", f"/api/v1/reports/{ids[0]}", token=t["a"])
    check("the outcome is visible on the reports the referring agency contributed",
          st == 200 and any(o["type"] == "referral" and o["kind"] == "fine" and o["organisation"] == "agency-gb"
                            for o in body.get("outcomes", [])), (st, body.get("outcomes")))
    st, body, _ = node.json("GET", "/api/v1/notifications", token=t["a"])
    events = {(n["event"], n["about_id"]) for n in body.get("items", [])}
    check("the referring agency is told each step, as a code it can act on",
          st == 200 and {("referral.received", rid), ("referral.accepted", rid), ("referral.closed", rid)} <= events
          and body["unread"] >= 3, (st, sorted(events)))
    st, body, _ = node.json("POST", "/api/v1/notifications/read", {"all": True}, t["a"])
    st2, body2, _ = node.json("GET", "/api/v1/notifications?status=new", token=t["a"])
    check("notifications are marked read", st == 200 and body["marked"] >= 3 and body["unread"] == 0
          and body2["items"] == [] and body2["unread"] == 0, (st, body, body2))
    st, body, _ = node.json("GET", "/api/v1/notifications", token=t["b"])
    check("each organisation sees only its own notifications",
          st == 200 and all(n["organisation"] == "agency-b" for n in body["items"]), body)
    # With an agreement that entitles the receiving agency to personal data.
    st, body, _ = node.json("POST", "/api/v1/referrals", {"to": "agency-b", "reports": ids[:2], "agreement": mou,
                                                          "summary": "two complaints"}, t["a"])
    r2 = body.get("id", 0)
    st, body, _ = node.json("GET", f"/api/v1/referrals/{r2}/reports", token=t["b"])
    check("under an agreement that allows it, personal data goes with the referral",
          st == 200 and body["personal_data_included"] is True and "anna@example.org" in json.dumps(body), (st, body))
    st, body, _ = node.json("POST", "/api/v1/referrals", {"to": "partner-p", "reports": ids[:1]}, t["a"])
    check("referrals go to member agencies only", st == 400, (st, body))
    st, body, _ = node.json("POST", "/api/v1/referrals", {"to": "agency-a", "reports": ids[:1]}, t["p_admin"])
    check("companies do not send referrals", st == 403, (st, body))
    st, body, _ = node.json("POST", f"/api/v1/referrals/{r2}/transitions", {"to": "declined"}, t["b"])
    check("declining needs a reason", st == 400, (st, body))
    st, body, _ = node.json("POST", f"/api/v1/referrals/{r2}/transitions",
                            {"to": "declined", "reason": "outside our competence"}, t["b"])
    check("a referral is declined with its reason", st == 200 and body["decline_reason"] == "outside our competence",
          (st, body))


def requests(node, t, cid, mou):
    st, body, _ = node.json("POST", "/api/v1/requests", {
        "kind": "assistance", "to": "agency-b", "actions": ["identify-sender"], "description": "x"}, t["a"])
    check("an assistance request cites an agreement", st == 400, (st, body))
    st, body, _ = node.json("POST", "/api/v1/agreements", {
        "title": "FR-DE letters", "instrument": "mou", "parties": ["agency-a", "agency-b"],
        "scope": ["information-sharing"]}, t["a"])
    st, body, _ = node.json("POST", "/api/v1/requests", {
        "kind": "assistance", "to": "agency-b", "agreement": body.get("id"), "actions": ["identify-sender"]}, t["a"])
    check("...one that covers mutual assistance", st == 400 and "mutual-assistance" in body["detail"], (st, body))
    st, body, _ = node.json("POST", "/api/v1/requests", {
        "kind": "assistance", "to": "agency-b", "agreement": mou, "case": cid,
        "actions": ["identify-sender", "preserve-data"], "legal_basis": "Art. 5 of the MoU",
        "description": "Identify who runs shop-deals.com; preserve its hosting logs.", "due": "2020-01-01T00:00:00Z"},
        t["a"])
    check("an assistance request under an agreement, priority from the case's harm", st == 201
          and body["status"] == "sent" and body["priority"] in ("low", "medium", "high") and body["overdue"] is True
          and body["case"]["id"] == cid, (st, body))
    q = body.get("id", 0)
    for who, box in (("a", "out"), ("b", "in")):
        st, body, _ = node.json("GET", f"/api/v1/requests?box={box}&overdue=1&limit=1", token=t[who])
        check(f"an overdue request is flagged for {'the requesting' if who == 'a' else 'the requested'} agency "
              "(filtered in the query: a page of one is full)",
              st == 200 and [r["id"] for r in body["items"]] == [q] and "next_cursor" not in body, (st, body))
    steps = [("acknowledged", {}), ("in-progress", {})]
    for to, extra in steps:
        st, body, _ = node.json("POST", f"/api/v1/requests/{q}/transitions", {"to": to, **extra}, t["b"])
        check(f"the requested agency moves it to {to}", st == 200 and body["status"] == to, (st, body))
    st, body, _ = node.json("POST", f"/api/v1/requests/{q}/transitions", {"to": "answered"}, t["b"])
    check("an answer needs its text", st == 400, (st, body))
    attachment = b"subscriber: Example Hosting Ltd\n"
    st, _, raw = node.req("POST", f"/api/v1/requests/{q}/attachments?name=logs.txt", attachment, t["b"], "text/plain")
    check("the answer carries an attachment", st == 201, (st, raw[:200]))
    st, body, _ = node.json("POST", f"/api/v1/requests/{q}/transitions",
                            {"to": "answered", "answer": "The site is run by Example Hosting Ltd."}, t["b"])
    check("the requested agency answers", st == 200 and body["answer"]["text"].startswith("The site")
          and body["overdue"] is False, (st, body))
    st, _, raw, hdrs = node.req("GET", f"/api/v1/requests/{q}/attachments/0", token=t["a"], full=True)
    check("the requesting agency downloads the attachment, named and typed", st == 200 and raw == attachment
          and 'filename="logs.txt"' in hdrs.get("Content-Disposition", "")
          and hdrs.get("Content-Type", "").startswith("text/plain"), (st, dict(hdrs)))
    st, _, _ = node.req("GET", f"/api/v1/requests/{q}/attachments/0", token=t["gb"])
    check("no one else does", st == 404, st)
    st, body, _ = node.json("POST", f"/api/v1/requests/{q}/transitions",
                            {"to": "closed", "outcome": {"kind": "prosecution", "detail": "referred to prosecutor"}}, t["a"])
    check("the requesting agency closes it with an outcome", st == 200 and body["status"] == "closed"
          and set(body["timeline"]) == {"sent", "acknowledged", "in-progress", "answered", "closed"}, (st, body))
    st, body, _ = node.json("GET", "/api/v1/audit?limit=200", token=t["b_admin"])
    check("every transition is audited", {"request.acknowledged", "request.in-progress", "request.answered"}
          <= {e["action"] for e in body.get("items", [])}, st)
    # A request for information to a company, pre-filled from its LAP B.4 answers.
    st, body, _ = node.json("GET", "/api/v1/requests/template?to=partner-p&kind=ip-subscriber&ip=81.2.69.7"
                                   "&at=2002-08-22T11:59:00Z", token=t["a"])
    check("a company request is pre-filled from the company's B.4 answers and the subject given", st == 200
          and body["how_to_send"] == "signed PDF to abuse-le@example.net"
          and body["what_they_give"] == "through the domestic agency only" and body["domestic"] is False
          and "81.2.69.7 at 2002-08-22T11:59:00Z" in body["description"] and body["subject"]["ip"] == "81.2.69.7",
          (st, body))
    st, body, _ = node.json("POST", "/api/v1/requests", {
        "kind": "company", "to": "partner-p", "title": "Subscriber of 81.2.69.7",
        "subject": {"kind": "ip-subscriber", "ip": "81.2.69.7", "at": "2002-08-22T11:59:00Z"},
        "description": "Who held 81.2.69.7 at 2002-08-22T11:59:00Z?"}, t["a"])
    check("a request for information to an ISP", st == 201 and body["procedure"].startswith("signed PDF"), (st, body))
    cq = body.get("id", 0)
    st, body, _ = node.json("POST", f"/api/v1/requests/{cq}/transitions", {"to": "acknowledged"}, t["p_admin"])
    st, body, _ = node.json("POST", f"/api/v1/requests/{cq}/transitions",
                            {"to": "declined", "reason": "a court order is needed"}, t["p_admin"])
    check("the company declines it with a reason", st == 200 and body["status"] == "declined", (st, body))
    st, body, _ = node.json("POST", "/api/v1/requests", {"kind": "company", "to": "agency-b",
                                                         "subject": {"kind": "other"}}, t["a"])
    check("requests for information go to companies", st == 400, (st, body))
    st, body, _ = node.json("POST", "/api/v1/requests", {"kind": "assistance", "to": "agency-b", "agreement": mou,
                                                         "actions": ["investigate"], "send": False}, t["a"])
    d = body.get("id", 0)
    st, _, _ = node.json("GET", f"/api/v1/requests/{d}", token=t["b"])
    check("a draft is not seen by the agency it will go to", st == 404 or body["status"] == "draft", st)


def membership(node, t):
    st, body, _ = node.json("GET", "/api/v1/organisations", token=t["new"])
    check("an applicant sees only itself in the directory", [o["name"] for o in body.get("items", [])] == ["newcomer"],
          body)
    st, body, _ = node.json("POST", "/api/v1/applications", {"kind": "agency", "country": "IT",
                                                             "node": {"name": "node-n", "endpoint": "http://x"},
                                                             "statement": "x"}, t["new"])
    check("an application's node entry must be one (name, https endpoint, both keys)", st == 400
          and "lapis federation identity" in body.get("detail", ""), (st, body))
    entry = {"name": "node-n", "endpoint": "https://n.example:7443", "sign_key": "ab" * 32, "tls_key": "cd" * 32}
    st, body, _ = node.json("POST", "/api/v1/applications", {"kind": "agency", "country": "IT",
                                                             "display_name": "Autorità N", "node": entry,
                                                             "statement": "national anti-spam authority"}, t["new"])
    check("an organisation applies to join, naming the node it runs", st == 201 and body["status"] == "open"
          and body.get("node") == entry, (st, body))
    app = body.get("id", 0)
    st, body, _ = node.json("POST", "/api/v1/applications", {"kind": "partner", "country": "IT", "sector": "isps"},
                            t["bad"])
    bad = body.get("id", 0)
    st, body, _ = node.json("GET", "/api/v1/notifications", token=t["b"])
    check("member agencies are told", any("newcomer applies" in n["title"] for n in body.get("items", [])), body)
    st, body, _ = node.json("POST", f"/api/v1/applications/{bad}/objections", {"reason": "sends spam itself"}, t["p_admin"])
    check("a company cannot object", st == 403, (st, body))
    st, body, _ = node.json("POST", f"/api/v1/applications/{bad}/objections", {}, t["b_admin"])
    check("an objection needs a reason", st == 400, (st, body))
    st, body, _ = node.json("POST", f"/api/v1/applications/{bad}/objections", {"reason": "sends spam itself"},
                            t["b_admin"])
    check("a member agency objects with a reason", st == 201 and len(body["objections"]) == 1, (st, body))
    time.sleep(4.5)  # the node runs with --objection-period 3
    st, body, _ = node.json("GET", f"/api/v1/applications/{app}", token=t["new"])
    check("without objection the applicant is admitted when the period ends", body.get("status") == "admitted", body)
    st, body, _ = node.json("GET", "/api/v1/organisations/newcomer", token=t["b"])
    check("...and is in the directory as a member", st == 200 and body["membership"] == "member"
          and body["country"] == "IT" and body["display_name"] == "Autorità N", (st, body))
    st, body, _ = node.json("GET", f"/api/v1/applications/{bad}", token=t["bad"])
    check("with an objection the applicant is refused; it sees how many objected, not who",
          body.get("status") == "refused" and body.get("objection_count") == 1 and "objections" not in body, body)
    st, body, _ = node.json("GET", "/api/v1/notifications", token=t["bad"])
    check("the applicant is told the decision", any(n["event"] == "application.refused" for n in body.get("items", [])),
          body)
    st, body, _ = node.json("POST", "/api/v1/groups", {"name": "x", "members": ["rejected"]}, t["bad"])
    check("an organisation outside the network shares with no one", st == 403, (st, body))
    st, body, _ = node.json("GET", "/api/v1/organisations", token=t["bad"])
    check("a refused applicant still sees only itself", [o["name"] for o in body.get("items", [])] == ["rejected"], body)
    st, body, _ = node.json("POST", f"/api/v1/applications/{bad}/objections", {"reason": "late"}, t["b_admin"])
    check("no objection once decided", st == 400, (st, body))


def withdrawal(node, t, made):
    st, _, _ = node.json("GET", f"/api/v1/cases/{made['red-b']}", token=t["b"])
    st, body, _ = node.json("POST", "/api/v1/organisations/agency-b/withdraw", {}, t["b"])
    check("only an administrator withdraws", st == 403, (st, body))
    st, body, _ = node.json("POST", "/api/v1/organisations/agency-b/withdraw", {}, t["b_admin"])
    check("a member withdraws", st == 200, (st, body))
    st2, _, _ = node.json("GET", f"/api/v1/cases/{made['red-b']}", token=t["b"])
    st3, body, _ = node.json("GET", "/api/v1/cases?q=probe", token=t["b"])
    check("a withdrawn member loses access to what was shared with it", st == 200 and st2 == 404
          and body["items"] == [], (st, st2, body))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    ap.add_argument("--database", default="")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        node = Node(a.lapis, os.path.join(tmp, "node"), a.database)
        os.makedirs(node.data, exist_ok=True)
        for org, kind, country, status in [("agency-a", "agency", "FR", "member"),
                                           ("agency-b", "agency", "DE", "member"),
                                               ("partner-p", "partner", "GB", "member"),
                                               ("agency-gb", "agency", "GB", "member"),
                                               ("outsider", "agency", "US", "withdrawn"),
                                               ("newcomer", "agency", "IT", "applicant"),
                                               ("rejected", "partner", "IT", "applicant")]:
            p = node.run("directory", "set", "--org", org, "--kind", kind, "--country", country,
                         "--membership", status)
            check(f"lapis directory set {org}", p.returncode == 0, p.stderr)
        t = {"a": node.token("agency-a"), "a_admin": node.token("agency-a", "admin"), "b": node.token("agency-b"),
             "b_admin": node.token("agency-b", "admin"), "p": node.token("partner-p", "partner"),
             "p_admin": node.token("partner-p", "admin"), "out": node.token("outsider"),
             "gb": node.token("agency-gb"), "new": node.token("newcomer", "admin"), "bad": node.token("rejected", "admin")}
        node.start("--objection-period", "3")
        try:
            run(node, t, tmp)
        finally:
            if node.proc.poll() is None:
                node.proc.kill()
    print(f"{len(FAILURES)} failures" if FAILURES else "all checks passed")
    return 1 if FAILURES else 0


def run(node, t, tmp):
    ids = []
    for i in range(40):
        st, _, body = node.req("POST", "/api/v1/reports", msg(100 + i), t["a"], "message/rfc822")
        ids.append(json.loads(body)["id"])
    for rid in ids:
        wait_analysed(node, t["a"], rid)
    st, body, _ = node.json("GET", "/api/v1/campaigns", token=t["a"])
    camp = body["items"][0]["id"]
    members = [r["id"] for r in node.json("GET", f"/api/v1/reports?campaign={camp}&limit=500", token=t["a"])[1]["items"]]
    check("the sample reports form a campaign", len(members) >= 30, len(members))
    directory(node, t)
    mou = agreements(node, t)
    st, body, _ = node.json("POST", "/api/v1/groups", {"name": "Operation Watch",
                                                       "members": ["agency-a", "partner-p"]}, t["a"])
    check("a group of organisations", st == 201 and body["members"] == ["agency-a", "partner-p"], (st, body))
    group = body.get("id", 0)
    cid = cases(node, t, members, camp)
    made = sharing(node, t, members, group)
    package(node, t, cid, members, tmp)
    shares(node, t, members, mou)
    meetings(node, t)
    referrals(node, t, members, camp, mou)
    requests(node, t, cid, mou)
    membership(node, t)
    # Reads of shared objects are in the reader's audit log.
    st, body, _ = node.json("GET", "/api/v1/audit?limit=200", token=t["b_admin"])
    actions = {e["action"] for e in body.get("items", [])}
    check("reads of shared cases and agreements are audited", {"case.read", "agreement.document"} <= actions,
          sorted(actions))
    st, body, _ = node.json("GET", "/api/v1/audit?limit=200", token=t["a_admin"])
    actions = {e["action"] for e in body.get("items", [])}
    check("shares and exports are audited", {"case.share", "case.export", "agreement.share"} <= actions,
          sorted(actions))
    withdrawal(node, t, made)
    # Every cooperation route is in the OpenAPI document.
    st, _, body = node.req("GET", "/api/v1/openapi.json")
    doc = json.loads(body)
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    used = {("GET", "/api/v1/organisations"), ("GET", "/api/v1/organisations/{name}"),
            ("PUT", "/api/v1/organisations/{name}"), ("GET", "/api/v1/directory/export")}
    for plural in ("contacts", "resources", "groups", "agreements", "meetings"):
        used |= {("POST", f"/api/v1/{plural}"), ("GET", f"/api/v1/{plural}"), ("GET", f"/api/v1/{plural}/{{id}}"),
                 ("PATCH", f"/api/v1/{plural}/{{id}}")}
    used |= {("PUT", "/api/v1/agreements/{id}/document"), ("GET", "/api/v1/agreements/{id}/document"),
             ("POST", "/api/v1/cases"), ("GET", "/api/v1/cases"), ("GET", "/api/v1/cases/{id}"),
             ("PATCH", "/api/v1/cases/{id}"), ("GET", "/api/v1/cases/{id}/reports"),
             ("POST", "/api/v1/cases/{id}/reports"), ("POST", "/api/v1/cases/{id}/tasks"),
             ("POST", "/api/v1/cases/{id}/notes"), ("PATCH", "/api/v1/tasks/{id}"),
             ("GET", "/api/v1/cases/{id}/history"), ("GET", "/api/v1/cases/{id}/package"),
             ("GET", "/api/v1/referrals/proposal"), ("POST", "/api/v1/referrals"), ("GET", "/api/v1/referrals"),
             ("GET", "/api/v1/referrals/{id}"), ("POST", "/api/v1/referrals/{id}/transitions"),
             ("GET", "/api/v1/referrals/{id}/reports"), ("GET", "/api/v1/referrals/{id}/package"),
             ("GET", "/api/v1/requests/template"), ("POST", "/api/v1/requests"), ("GET", "/api/v1/requests"),
             ("GET", "/api/v1/requests/{id}"), ("POST", "/api/v1/requests/{id}/transitions"),
             ("POST", "/api/v1/requests/{id}/attachments"), ("GET", "/api/v1/requests/{id}/attachments/{n}"),
             ("POST", "/api/v1/applications"), ("GET", "/api/v1/applications"),
             ("GET", "/api/v1/applications/{id}"), ("POST", "/api/v1/applications/{id}/objections"),
             ("POST", "/api/v1/organisations/{name}/withdraw"), ("GET", "/api/v1/notifications")}
    check("OpenAPI documents every cooperation route", used <= documented, sorted(used - documented))
    for method, path in sorted(used):
        pth = path.replace("{id}", "1").replace("{name}", "nobody").replace("{n}", "0")
        st, ct, body = node.req(method, pth, b"x" if method in ("POST", "PATCH", "PUT") else None, t["a"],
                                "text/plain")
        check(f"documented route {method} {path} exists", b"no such route" not in body, (st, body[:100]))
    for bad in [b"{not json", b"[]", b'{"title": 5}', b"\xff\xfe"]:
        st, ct, body = node.req("POST", "/api/v1/cases", bad, t["a"], "application/json")
        check(f"bad case body {bad[:10]!r}: 400 problem+json", st == 400 and "problem+json" in ct, (st, body[:100]))
    node.stop()


if __name__ == "__main__":
    sys.exit(main())
