#!/usr/bin/env python3
"""Behaviour of the `lapis` command line: help, exit statuses, inputs, config file.

  cli_test.py --lapis BINARY
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

FAILURES = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"))
    if not cond:
        FAILURES.append(name)


def run(lapis, *args, stdin=None, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([lapis, *args], input=stdin, capture_output=True, timeout=120, env=e)


MSG = (b"From: Shop <deals@shop.example>\r\nTo: a@recipient.example\r\nSubject: Cheap watches\r\n"
       b"Date: Thu, 22 Aug 2002 11:58:00 +0000\r\n\r\nBuy now at http://watches.example/buy\r\n")
ARF = (b"From: fbl@provider.example\r\nSubject: report\r\nContent-Type: multipart/report; "
       b"report-type=feedback-report; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nreport\r\n"
       b"--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nVersion: 1\r\n"
       b"Source-IP: 81.2.69.160\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n" + MSG + b"--b--\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    lapis = ap.parse_args().lapis
    with tempfile.TemporaryDirectory() as tmp:
        cfg_home = os.path.join(tmp, "cfg")
        env = {"LAPIS_CONFIG": os.path.join(tmp, "none.toml")}
        for verb in ([], ["analyze"], ["ipdata"], ["ipdata", "update"], ["ipdata", "build"], ["ipdata", "lookup"]):
            p = run(lapis, *verb, "--help", env=env)
            check(f"help for {' '.join(verb) or 'lapis'} exits 0", p.returncode == 0 and b"Usage" in p.stdout,
                  p.stderr[:200])
        check("unknown verb exits 2", run(lapis, "frobnicate", env=env).returncode == 2)
        check("analyze without paths exits 2", run(lapis, "analyze", env=env).returncode == 2)
        check("--jobs 0 exits 2", run(lapis, "analyze", "--jobs", "0", "x", env=env).returncode == 2)
        check("bad --trusted-network exits 2",
              run(lapis, "analyze", "--trusted-network", "10.0.0.0/99", "x", env=env).returncode == 2)

        good = os.path.join(tmp, "good.eml")
        open(good, "wb").write(MSG)
        p = run(lapis, "analyze", "--no-enrich", os.path.join(tmp, "missing.eml"), good, env=env)
        lines = p.stdout.splitlines()
        check("unreadable input gives exit 1 and the rest is analysed",
              p.returncode == 1 and len(lines) == 1 and b"missing.eml" in p.stderr, (p.returncode, p.stderr[:300]))
        obj = json.loads(lines[0]) if lines else {}
        check("output carries the fixed fields",
              all(k in obj for k in ("id", "size", "source", "headers", "received", "origin", "indicators",
                                      "authentication", "classification", "language", "fingerprint", "defects")))

        p = run(lapis, "analyze", "--no-enrich", "-", stdin=MSG, env=env)
        o = json.loads(p.stdout) if p.returncode == 0 else {}
        check("stdin is read with -", p.returncode == 0 and o.get("source", {}).get("path") == "-")
        check("same bytes give the same id from a file and from stdin", o.get("id") == obj.get("id"))

        mbox = os.path.join(tmp, "box.mbox")
        open(mbox, "wb").write(b"From a@b  Thu Aug 22 13:17:22 2002\n" + MSG.replace(b"\r\n", b"\n") + b"\n" +
                               b"From c@d  Thu Aug 22 13:18:22 2002\n" + MSG.replace(b"\r\n", b"\n"))
        p = run(lapis, "analyze", "--no-enrich", "--jobs", "2", mbox, env=env)
        idx = [json.loads(l)["source"]["index"] for l in p.stdout.splitlines()]
        check("mbox messages carry their index, in order", idx == [0, 1], idx)

        p = run(lapis, "analyze", "--no-enrich", "--summary", good, mbox, env=env)
        check("--summary prints aggregates", p.returncode == 0 and b"categories:" in p.stdout and b"messages: 3" in p.stdout,
              p.stdout[:300])
        p = run(lapis, "analyze", "--no-enrich", "--summary", "--summary-json", good, env=env)
        check("--summary-json is JSON", p.returncode == 0 and json.loads(p.stdout)["messages"] == 1)

        arf = os.path.join(tmp, "arf.eml")
        open(arf, "wb").write(ARF)
        p = run(lapis, "analyze", "--no-enrich", arf, env=env)
        check("ARF is opened by default", json.loads(p.stdout)["wrapper"]["type"] == "arf")
        cfg = os.path.join(tmp, "lapis.toml")
        open(cfg, "w").write("[analyze]\nno-unwrap = true\n")
        p = run(lapis, "--config", cfg, "analyze", "--no-enrich", arf, env=env)
        check("config file [analyze] section applies", p.returncode == 0 and json.loads(p.stdout)["wrapper"] is None,
              p.stderr[:300])
        p = run(lapis, "analyze", "--no-enrich", arf, env={"LAPIS_CONFIG": cfg})
        check("LAPIS_CONFIG names the default config file",
              p.returncode == 0 and json.loads(p.stdout)["wrapper"] is None, p.stderr[:300])

        sms = os.path.join(tmp, "sms.txt")
        open(sms, "w").write('{"sender":"+447700900123","text":"Your parcel is held. Pay the fee at '
                             'parcel-fee.info/pay","time":"2024-01-02T03:04:05Z","reporter_country":"GB"}\n'
                             "BANK\tYour card is blocked, call +44 20 7946 0018\n"
                             "{broken json\n")
        p = run(lapis, "analyze", "--no-enrich", "--sms", sms, env=env)
        objs = [json.loads(l) for l in p.stdout.splitlines()]
        check("SMS lines are analysed and a bad line is reported with exit 1",
              p.returncode == 1 and len(objs) == 2 and b"sms.txt:3" in p.stderr, (p.returncode, p.stderr[:300]))
        check("SMS sender types", [o["sms"]["sender_type"] for o in objs] == ["phone", "alphanumeric"],
              [o["sms"] for o in objs])
        check("SMS bare domain becomes a URL indicator",
              objs and objs[0]["indicators"]["urls"] and objs[0]["indicators"]["urls"][0]["registrable"] == "parcel-fee.info")
    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
