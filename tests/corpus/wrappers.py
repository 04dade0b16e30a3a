#!/usr/bin/env python3
"""Wrapper unwrapping on real data: every ARF report (RFC 5965) in the corpora is opened and its
fields kept; the RFC 5965 example is checked field by field; messages forwarded as an attached
message/rfc822 are opened.

  wrappers.py --lapis BINARY --shared DIR
"""
import argparse
import json
import os
import subprocess
import sys


def analyse(lapis, paths):
    p = subprocess.run([lapis, "analyze", "--no-enrich", *paths], capture_output=True, timeout=600)
    if p.returncode not in (0, 1):
        raise SystemExit(f"lapis exited {p.returncode}: {p.stderr.decode()[:500]}")
    return [json.loads(l) for l in p.stdout.splitlines()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    ap.add_argument("--shared", required=True)
    a = ap.parse_args()
    corpus = os.path.join(a.shared, "corpus")
    failures = []
    arf_files = []
    for sub in ("sisimai-bounces-arf", "mimekit-testdata"):
        for dp, dirs, fs in os.walk(os.path.join(corpus, sub)):
            dirs[:] = [d for d in dirs if d != "tmp"]  # Maildir tmp/ is not read by design
            for f in fs:
                p = os.path.join(dp, f)
                if f.endswith((".md", ".tsv")) or f.startswith("LICENSE"):
                    continue
                with open(p, "rb") as fh:
                    data = fh.read()
                if b"message/feedback-report" in data.lower() and b"multipart/report" in data.lower():
                    arf_files.append(p)
    arf_files.sort()
    results = analyse(a.lapis, arf_files)
    opened = [r for r in results if r["wrapper"] and r["wrapper"]["type"] == "arf" and r["wrapper"]["feedback_type"]]
    print(f"ARF reports opened: {len(opened)}/{len(arf_files)}")
    for r in results:
        if not (r["wrapper"] and r["wrapper"]["type"] == "arf"):
            failures.append(f"not opened: {r['source']['path']}")
    example = [r for r in results if r["source"]["path"].endswith("mimekit-testdata/messages/feedback-report.txt")]
    if not example:
        failures.append("RFC 5965 example missing")
    else:
        w = example[0]["wrapper"]
        want = {"type": "arf", "feedback_type": "abuse", "user_agent": "SomeGenerator/1.0", "version": "1",
                "source_ip": "192.0.2.2", "original_mail_from": "somespammer@example.net",
                "original_rcpt_to": ["user@example.com"], "reported_domain": "example.net",
                "reported_uri": "http://example.net/earn_money.html", "outer_from": "abusedesk@example.com",
                "outer_subject": "FW: Earn money"}
        for k, v in want.items():
            if w.get(k) != v:
                failures.append(f"RFC 5965 example: {k} = {w.get(k)!r}, expected {v!r}")
        h = example[0]["headers"]
        if h["subject"] != "Earn money" or h["from"]["address"] != "somespammer@example.net":
            failures.append(f"RFC 5965 example: inner message not analysed: {h['subject']!r}")
    attached = analyse(a.lapis, [os.path.join(corpus, "mimekit-testdata/messages/simple-embedded-message.eml"),
                                 os.path.join(corpus, "cpython-email-testdata/msg_11.txt")])
    for r, subject in zip(attached, ["embedded message", "An enclosed message"]):
        if not (r["wrapper"] and r["wrapper"]["type"] == "attached-message" and r["headers"]["subject"] == subject):
            failures.append(f"attached message not opened: {r['source']['path']}")
    print(f"forwarded-as-attachment opened: {sum(1 for r in attached if r['wrapper'])}/{len(attached)}")
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
