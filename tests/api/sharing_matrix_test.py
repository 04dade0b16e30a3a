#!/usr/bin/env python3
"""Who sees a shared object, over every role x TLP marking x audience x route.

One organisation shares reports (a share) and a case under every valid combination of marking and
audience; users of every role in six organisations — the owner, a named agency, another agency, a
company in a named group, a company outside it, and a withdrawn member — then try every route:
list, detail, search, aggregate, export and download. Nobody outside the audience may see the
object or learn that it exists (a 404 exactly like that of an id that was never used), and the
combinations a marking forbids are refused.

  sharing_matrix_test.py --lapis BINARY [--database URL]
"""
import argparse
import itertools
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_test import Node, check, msg, wait_analysed, FAILURES  # noqa: E402

ORGS = {  # name: (kind, country, membership)
    "owner": ("agency", "FR", "member"),
    "named": ("agency", "DE", "member"),
    "other": ("agency", "ES", "member"),
    "grouped": ("partner", "GB", "member"),
    "company": ("partner", "IT", "member"),
    "gone": ("agency", "PT", "withdrawn"),
}
ROLES = ["admin", "coordinator", "analyst", "partner", "reporter"]
MARKINGS = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
COOPERATE = {"admin", "coordinator", "analyst", "partner"}
EVIDENCE = {"admin", "coordinator", "analyst"}


def audiences(group):
    return {
        "organisation": ({"kind": "organisation"}, {"owner"}),
        "named": ({"kind": "organisations", "organisations": ["named"]}, {"owner", "named"}),
        "group": ({"kind": "groups", "groups": [group]}, {"owner", "grouped"}),
        "agencies": ({"kind": "agencies"}, {"owner", "named", "other"}),
        "network": ({"kind": "network"}, {"owner", "named", "other", "grouped", "company"}),
        "network-but-grouped": ({"kind": "network", "exclude": ["grouped"]}, {"owner", "named", "other", "company"}),
    }


def allowed(tlp, aud):
    if tlp in ("RED", "AMBER+STRICT"):
        return aud in ("organisation", "named")
    if tlp == "AMBER":
        return aud in ("organisation", "named", "group")
    return True


def same_404(body_a, body_b):
    """Two not-found answers that differ only in the id asked for."""
    strip = lambda b: re.sub(rb"\d+", b"N", b)
    return strip(body_a) == strip(body_b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    ap.add_argument("--database", default="")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        node = Node(a.lapis, os.path.join(tmp, "node"), a.database)
        os.makedirs(node.data, exist_ok=True)
        for org, (kind, country, status) in ORGS.items():
            p = node.run("directory", "set", "--org", org, "--kind", kind, "--country", country, "--membership", status)
            assert p.returncode == 0, p.stderr
        tokens = {(org, role): node.token(org, role) for org in ORGS for role in ROLES}
        node.start()
        try:
            run(node, tokens)
        finally:
            if node.proc.poll() is None:
                node.proc.kill()
    print(f"{len(FAILURES)} failures" if FAILURES else "all checks passed")
    return 1 if FAILURES else 0


def run(node, tokens):
    owner = tokens[("owner", "analyst")]
    ids = []
    for i in range(3):
        st, _, body = node.req("POST", "/api/v1/reports", msg(500 + i, "victim@example.org"), owner, "message/rfc822")
        ids.append(json.loads(body)["id"])
    for rid in ids:
        wait_analysed(node, owner, rid)
    st, body, _ = node.json("POST", "/api/v1/groups", {"name": "matrix group", "members": ["owner", "grouped"]}, owner)
    group = body["id"]
    objects = []  # (type, id, tlp, audience name, word, who may see)
    refused_ok = True
    n = 0
    for tlp, (aud, (audience, who)) in itertools.product(MARKINGS, audiences(group).items()):
        for typ in ("share", "case"):
            n += 1
            word = f"probe{n:03d}x"
            path = "/api/v1/shares" if typ == "share" else "/api/v1/cases"
            st, body, _ = node.json("POST", path, {"title": f"matrix {typ} {tlp} {aud} {word}", "tlp": tlp,
                                                   "audience": audience, "reports": ids[:2]}, owner)
            if allowed(tlp, aud):
                if st != 201:
                    check(f"{typ} {tlp} {aud} is made", False, (st, body))
                    continue
                objects.append((typ, body["id"], tlp, aud, word, who))
            else:
                refused_ok &= st == 400
    check("every combination a marking forbids is refused (400)", refused_ok)
    check("every allowed combination was made", len(objects) == 2 * 19, len(objects))
    never = 10 ** 9  # an id no object has

    failures = {}
    checked = 0

    def expect(route, cond, detail):
        nonlocal checked
        checked += 1
        if not cond:
            failures.setdefault(route, []).append(detail)

    for (org, role), tok in tokens.items():
        # list: every object the viewer may see, and no other
        listed = {}
        for typ, path in (("share", "/api/v1/shares?limit=500"), ("case", "/api/v1/cases?limit=500")):
            st, body, _ = node.json("GET", path, token=tok)
            listed[typ] = {o["id"] for o in body["items"]} if st == 200 else None
            if role not in COOPERATE:
                expect("list", st == 403, (org, role, typ, st))
        for typ, oid, tlp, aud, word, who in objects:
            sees = org in who and role in COOPERATE
            tag = (org, role, typ, tlp, aud)
            if role in COOPERATE:
                expect("list", (oid in listed[typ]) == sees, tag)
            base = f"/api/v1/{typ}s"
            # search
            st, body, _ = node.json("GET", f"{base}?q={word}", token=tok)
            if role in COOPERATE:
                expect("search", st == 200 and ({o["id"] for o in body["items"]} == ({oid} if sees else set())),
                       (tag, st))
            else:
                expect("search", st == 403, (tag, st))
            # detail, aggregate, export, download
            routes = [("detail", f"{base}/{oid}", f"{base}/{never}", COOPERATE)]
            if typ == "share":
                routes += [("aggregate", f"{base}/{oid}/stats", f"{base}/{never}/stats", COOPERATE),
                           ("export", f"{base}/{oid}/export", f"{base}/{never}/export", COOPERATE),
                           ("download", f"{base}/{oid}/reports/{ids[0]}/raw", f"{base}/{never}/reports/{ids[0]}/raw",
                            EVIDENCE)]
            else:
                routes += [("aggregate", f"{base}/{oid}/reports", f"{base}/{never}/reports", COOPERATE),
                           ("export", f"{base}/{oid}/history", f"{base}/{never}/history", COOPERATE),
                           ("download", f"{base}/{oid}/package", f"{base}/{never}/package", EVIDENCE)]
            for route, url, ghost, perm in routes:
                st, _, body = node.req("GET", url, token=tok)
                if role not in perm:
                    expect(route, st == 403, (tag, st))
                elif not sees:
                    st2, _, body2 = node.req("GET", ghost, token=tok)
                    expect(route, st == 404 and st2 == 404 and same_404(body, body2), (tag, st, body[:80]))
                elif route == "download" and typ == "share" and org != "owner":
                    # Seen, but the raw message names its recipients: only under an agreement.
                    expect(route, st == 403, (tag, st))
                else:
                    expect(route, st == 200, (tag, st, body[:80]))
            # no personal data ever leaves the owner without entitlement
            if typ == "share" and sees and org != "owner":
                st, _, body = node.req("GET", f"{base}/{oid}/reports?with=analysis", token=tok)
                expect("personal data", st == 200 and b"victim@example.org" not in body, tag)
    for route in ("list", "search", "detail", "aggregate", "export", "download", "personal data"):
        bad = failures.get(route, [])
        check(f"{route}: every role x marking x audience sees exactly what it may", not bad, bad[:5])
    check(f"the matrix ran ({checked} checks over {len(objects)} objects, {len(tokens)} callers)", checked > 5000,
          checked)
    # Dashboard aggregates and report routes never count another organisation's reports.
    def total(org):
        st, body, _ = node.json("GET", "/api/v1/stats?dimension=total", token=tokens[(org, "analyst")])
        return sum(r["reports"] for r in body["items"]) if st == 200 else -1
    check("shared reports do not enter the receiving organisation's own aggregates",
          total("owner") == len(ids) and total("named") == 0, (total("owner"), total("named")))
    st, _, _ = node.req("GET", f"/api/v1/reports/{ids[0]}", token=tokens[("named", "analyst")])
    check("...nor its report routes", st == 404, st)
    st, body, _ = node.json("GET", f"/api/v1/reports/{ids[0]}", token=owner)
    sh = body.get("sharing", {})
    check("a report says its marking and the shares that carry it", st == 200 and sh.get("tlp") == "AMBER+STRICT"
          and sh["audience"]["kind"] == "organisation"
          and len(sh["shares"]) == sum(1 for o in objects if o[0] == "share"), (st, sh))
    # Withdrawing a share takes it from everyone but its organisation.
    share = next(o for o in objects if o[0] == "share" and o[3] == "network" and o[2] == "GREEN")
    st, body, _ = node.json("PATCH", f"/api/v1/shares/{share[1]}", {"status": "withdrawn"}, owner)
    st2, _, _ = node.req("GET", f"/api/v1/shares/{share[1]}", token=tokens[("company", "analyst")])
    st3, body3, _ = node.json("GET", "/api/v1/shares?status=withdrawn", token=tokens[("company", "analyst")])
    check("a withdrawn share is gone for its audience", st == 200 and st2 == 404 and body3["items"] == [],
          (st, st2, body3))


if __name__ == "__main__":
    sys.exit(main())
