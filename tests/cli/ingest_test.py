#!/usr/bin/env python3
"""`lapis ingest` and `lapis verify`: durable intake into a node's store (the database and the
evidence store), duplicates, SMS, personal data kept apart, corruption detection, and a kill -9 in
the middle of an ingest that loses nothing that was recorded.

  ingest_test.py --lapis BINARY --sa SPAMASSASSIN_DIR --shared DIR [--database postgresql://...]

Without --database each node's database is SQLite in its data directory; with a PostgreSQL URL
each node gets a schema of its own in that database (read back with psql).
"""
import argparse
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

FAILURES = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"))
    if not cond:
        FAILURES.append(name)


def run(lapis, *args, **kw):
    return subprocess.run([lapis, *args], capture_output=True, text=True, timeout=600, **kw)


class DbError(Exception):
    pass


class Db:
    """A node's database: SQLite in DATA/lapis.db, or a schema of the PostgreSQL database at `url`."""

    def __init__(self, data, url, schema):
        self.data, self.url = data, ""
        if url:
            p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c",
                                f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"],
                               capture_output=True, text=True, timeout=60)
            assert p.returncode == 0, p.stderr
            self.url = url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"

    def args(self):
        return ["--data", self.data] + (["--database", self.url] if self.url else [])

    def q(self, sql):
        if not self.url:
            try:
                con = sqlite3.connect(os.path.join(self.data, "lapis.db"))
                try:
                    return con.execute(sql).fetchall()
                finally:
                    con.close()
            except sqlite3.Error as e:
                raise DbError(str(e))
        p = subprocess.run(["psql", "-X", "-A", "-t", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", self.url, "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise DbError(p.stderr)
        def value(v):
            if v == "":
                return None
            return int(v) if v.lstrip("-").isdigit() else v
        return [tuple(value(v) for v in line.split("\x1f")) for line in p.stdout.splitlines()]


ANALYSED = "SUM(CASE WHEN status = 'analysed' THEN 1 ELSE 0 END)"


def pack_records(evidence):
    """(sha256, pack file, offset of the bytes, length) of every record in the evidence packs, in
    pack and file order, read with the format of docs/evidence.md."""
    out = []
    packs = os.path.join(evidence, "packs")
    for name in sorted(os.listdir(packs)):
        if not name.endswith(".pack"):
            continue
        path = os.path.join(packs, name)
        with open(path, "rb") as f:
            blob = f.read()
        assert blob[:8] == b"LAPISPK1", path
        pos = 16
        while pos + 48 <= len(blob):
            assert blob[pos:pos + 4] == b"LPR1", (path, pos)
            length = int.from_bytes(blob[pos + 8:pos + 16], "little")
            out.append((blob[pos + 16:pos + 48].hex(), path, pos + 48, length))
            pos += 48 + length
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    ap.add_argument("--sa", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--database", default="", help="PostgreSQL URL (default: SQLite in each data directory)")
    a = ap.parse_args()
    lapis = a.lapis
    cpython = os.path.join(a.shared, "corpus", "cpython-email-testdata")
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "node")
        db = Db(data, a.database, "node1")
        p = run(lapis, "ingest", *db.args(), "--org", "agency-a", cpython)
        check("ingest exits 0", p.returncode == 0, p.stderr[-500:])
        n = db.q(f"SELECT COUNT(*), SUM(complaints), {ANALYSED} FROM reports")[0]
        check("every message is a report, analysed", n[0] == 46 and n[1] == 46 and n[2] == 46, n)
        p = run(lapis, "ingest", *db.args(), "--org", "agency-a", cpython)
        n = db.q("SELECT COUNT(*), SUM(complaints) FROM reports")[0]
        check("the same bytes again are one report with one more complaint", n == (46, 92), n)
        check("re-ingest says no new reports", "(0 new reports)" in p.stderr, p.stderr[-300:])
        p = run(lapis, "verify", *db.args())
        check("verify passes on an intact store", p.returncode == 0 and "0 corrupt" in p.stdout, p.stdout + p.stderr)

        # Personal data is stored apart from the analysis.
        msg = (b"Received: from bot ([81.2.69.160]) by mx.example.org with SMTP id A1 for <anna@example.org>; "
               b"Thu, 22 Aug 2002 11:59:00 +0000\r\nFrom: spammer@shop-deals.com\r\nTo: anna@example.org\r\n"
               b"Subject: Cheap watches\r\n\r\nBuy now http://shop-deals.com/\r\n")
        p = run(lapis, "ingest", *db.args(), "--org", "agency-b", "-", input=msg.decode())
        # Read back as stored, through `lapis report show` (SQLite stores analyses compressed).
        rows = db.q("SELECT r.sha256 FROM reports r JOIN organisations o ON o.id = r.org_id WHERE o.name = 'agency-b'")
        check("the message is one report of agency-b", len(rows) == 1, rows)
        rid = rows[0][0] if rows else ""
        shown = run(lapis, "report", "show", *db.args(), "--org", "agency-b", "--personal", rid)
        report = json.loads(shown.stdout) if shown.returncode == 0 else {}
        check("report show prints the report with its analysis and personal data",
              report.get("id") == hashlib.sha256(msg).hexdigest() and report.get("status") == "analysed"
              and isinstance(report.get("analysis"), dict) and isinstance(report.get("personal_data"), dict),
              shown.stdout[-300:] + shown.stderr[-300:])
        check("recipient address is in the personal data, not the analysis",
              "anna@example.org" not in json.dumps(report.get("analysis"))
              and "anna@example.org" in json.dumps(report.get("personal_data")), report)
        other = run(lapis, "report", "show", *db.args(), "--org", "agency-a", rid)
        check("report show does not find another organisation's report", other.returncode == 1
              and other.stdout == "" and "has no report" in other.stderr, other.stdout + other.stderr)
        check("report show leaves personal data out unless asked",
              "personal_data" not in json.loads(run(lapis, "report", "show", *db.args(), "--org", "agency-b",
                                                    rid).stdout or "{}"))

        # SMS.
        sms = os.path.join(tmp, "sms.txt")
        with open(sms, "w") as f:
            f.write('{"sender":"BANK","text":"Your card is blocked, call +44 20 7946 0018","reporter_number":"+447700900123"}\n')
            f.write("12345\tWin a prize now\n")
        p = run(lapis, "ingest", *db.args(), "--org", "agency-b", "--sms", sms)
        n = db.q("SELECT COUNT(*) FROM reports WHERE kind = 'sms' AND status = 'analysed'")[0][0]
        check("SMS reports are ingested and analysed", p.returncode == 0 and n == 2, (p.returncode, n, p.stderr[-300:]))

        # Corruption and loss are found.
        records = pack_records(os.path.join(data, "evidence"))
        check("every report's evidence is one record in a pack", len(records) == len({r[0] for r in records}) and
              {r[0] for r in records} == {x[0] for x in db.q("SELECT sha256 FROM reports")}, len(records))
        lost = records[-1]  # the last record of the last pack: cut off as if the disk lost it
        tampered = records[0]
        with open(tampered[1], "r+b") as f:
            f.seek(tampered[2])
            first = f.read(1)
            f.seek(tampered[2])
            f.write(bytes([first[0] ^ 0x20]))
        os.remove(lost[1][:-len(".pack")] + ".idx")
        os.truncate(lost[1], lost[2] - 48)
        p = run(lapis, "verify", *db.args())
        check("verify reports a tampered blob and a missing one",
              p.returncode == 1 and f"corrupt {tampered[0]}" in p.stdout and f"missing {lost[0]}" in p.stdout,
              p.stdout[-500:])

        # kill -9 in the middle of an ingest: everything recorded is there, and a second run
        # analyses what was left.
        data2 = os.path.join(tmp, "node2")
        db2 = Db(data2, a.database, "node2")
        proc = subprocess.Popen([lapis, "ingest", *db2.args(), "--no-progress", a.sa],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        recorded = 0
        while time.time() < deadline:
            time.sleep(0.5)
            try:
                recorded = db2.q("SELECT COUNT(*) FROM reports")[0][0]
            except DbError:
                continue
            if recorded > 1500:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before = db2.q(f"SELECT COUNT(*), {ANALYSED} FROM reports")[0]
        p = run(lapis, "verify", *db2.args())
        check(f"after kill -9 ({before[0]} reports recorded, {before[1]} analysed) the store verifies",
              p.returncode == 0 and before[0] > 0, p.stdout[-300:])
        p = run(lapis, "ingest", *db2.args(), "--no-progress", a.sa)
        after = db2.q(f"SELECT COUNT(*), {ANALYSED}, SUM(complaints) FROM reports")[0]
        check("a second ingest completes the corpus and analyses every report",
              p.returncode == 0 and after[0] == 6046 and after[1] == 6046, (after, p.stderr[-300:]))
        p = run(lapis, "verify", *db2.args())
        check("the completed store verifies", p.returncode == 0, p.stdout[-300:])

        # Campaigns: near-duplicate spam is grouped; a rebuild from scratch is deterministic.
        def campaigns():
            p = run(lapis, "campaigns", *db2.args(), "--top", "100000", "--members", "100000", "--json")
            import json as _j
            return [_j.loads(l) for l in p.stdout.splitlines()]
        inc = campaigns()
        clustered = sum(c["reports"] for c in inc)
        check("every analysed report is in a campaign", clustered == 6046, clustered)
        toner = {m["id"] for c in inc for m in c["members"] if (m["subject"] or "").startswith("Toners and inkjet cartridges for less")}
        homes = {c["id"] for c in inc for m in c["members"] if (m["subject"] or "").startswith("Toners and inkjet cartridges for less")}
        check(f"the {len(toner)} 'Toners and inkjet cartridges' spams are one campaign", len(toner) >= 10 and len(homes) == 1, homes)
        p1 = run(lapis, "recluster", *db2.args())
        first = sorted(c["reports"] for c in campaigns())
        p2 = run(lapis, "recluster", *db2.args())
        second = sorted(c["reports"] for c in campaigns())
        check("recluster is deterministic", p1.returncode == 0 and p2.returncode == 0 and first == second and sum(first) == 6046,
              (p1.stderr[-200:], first[-5:], second[-5:]))
    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
