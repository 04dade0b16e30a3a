#!/usr/bin/env python3
"""Hostile inputs: each must give a result (or a clear error) without a crash, a hang or
unbounded memory.

  hostile_inputs.py --lapis BINARY [--max-rss-mb 1024] [--timeout 120]

Every case is generated here (nothing is fetched). For each, lapis must exit 0 or 1, print valid
JSON for every message it read, stay under --max-rss-mb of resident memory, and finish in time.
"""
import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile


def cases(tmp):
    rnd = random.Random(5965)

    def write(name, data):
        p = os.path.join(tmp, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    big_b64 = b"QUFB" * (25 * 1024 * 1024)  # 100 MB of base64
    yield "huge-message-100MB", write("huge.eml",
        b"Subject: huge\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
        b"\r\n".join(big_b64[i:i + 76] for i in range(0, len(big_b64), 76))), ["message-too-large"]
    nest = [b"Subject: nested\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n"]
    for i in range(5000):
        nest.append(b"--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n" % (i, i + 1))
    nest.append(b"--b5000\r\nContent-Type: text/plain\r\n\r\ndeep\r\n")
    yield "multipart-nested-5000", write("nested.eml", b"".join(nest)), ["mime-nesting-too-deep"]
    rfc = b"Subject: inner\r\n\r\nbody\r\n"
    for i in range(300):
        rfc = b"Subject: level %d\r\nContent-Type: message/rfc822\r\n\r\n" % i + rfc
    yield "message-rfc822-nested-300", write("rfc822.eml", rfc), []
    yield "headers-200000", write("headers.eml",
        b"".join(b"X-H%d: v\r\n" % i for i in range(200000)) + b"\r\nbody\r\n"), ["too-many-headers"]
    yield "received-5000", write("received.eml",
        b"".join(b"Received: from a%d (a [81.2.69.%d]) by b%d; Thu, 1 Jan 2004 00:00:00 +0000\r\n" % (i, i % 250, i)
                 for i in range(5000)) + b"Subject: x\r\n\r\nbody\r\n"), ["too-many-received"]
    yield "garbage-10MB", write("garbage.bin", bytes(rnd.getrandbits(8) for _ in range(10 * 1024 * 1024))), []
    yield "long-line-mbox-40MB", write("longline.mbox",
        b"From a@b Thu Jan  1 00:00:00 2004\nSubject: x\n\n" + b"A" * (40 * 1024 * 1024)), ["message-too-large"]
    yield "html-1M-tags", write("tags.eml",
        b"Subject: tags\r\nContent-Type: text/html\r\n\r\n" + b"<b>" * 1000000), ["html-too-many-tags"]
    yield "html-deep-nesting", write("deephtml.eml",
        b"Subject: deep html\r\nContent-Type: text/html\r\n\r\n" + b"<div>" * 200000 + b"x"), []
    yield "urls-100000", write("urls.eml",
        b"Subject: urls\r\n\r\n" + b"".join(b"http://h%d.example.com/ " % i for i in range(100000))), ["too-many-urls"]
    yield "wrong-charsets", write("charsets.eml",
        b"Subject: =?x-unknown?B?AAEC?= =?utf-8?B?/w==?=\r\n"
        b"From: =?utf-16?B?2D3eAA==?= <a@example.com>\r\n"
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n"
        b"--x\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n\xff\xfe\xfd plain\r\n"
        b"--x\r\nContent-Type: text/plain; charset=utf-16\r\n\r\n\xd8\x00\r\n"
        b"--x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>\xc3\x28 bad</p>\r\n--x--\r\n"), []
    yield "binary-nul-headers", write("nul.eml", b"Sub\x00ject: a\x00b\r\nFrom: \x00\r\n\r\n\x00\x00"), []
    yield "empty-file", write("empty.eml", b""), ["empty-message"]
    zip_bomb_like = (b"Subject: archive\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n"
                     b"Content-Type: application/zip; name=a.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                     + b"UEsDBBQAAAAIAAAAIQAAAAAAAAAAAAAAAAAFAAAAYS5leGU=" * 1000 + b"\r\n--z--\r\n")
    yield "broken-zip", write("zip.eml", zip_bomb_like), []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    ap.add_argument("--max-rss-mb", type=int, default=1024)
    ap.add_argument("--timeout", type=int, default=180)
    a = ap.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, expected_defects in cases(tmp):
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            try:
                p = subprocess.run([a.lapis, "analyze", "--no-enrich", path], capture_output=True,
                                   timeout=a.timeout)
            except subprocess.TimeoutExpired:
                print(f"FAIL {name}: no result within {a.timeout}s")
                failures += 1
                continue
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            rss_mb = max(rss, before) / 1024
            problems = []
            if p.returncode not in (0, 1):
                problems.append(f"exit status {p.returncode}: {p.stderr.decode(errors='replace')[-500:]}")
            codes = set()
            lines = p.stdout.splitlines()
            for line in lines:
                try:
                    obj = json.loads(line)
                    codes.update(d["code"] for d in obj["defects"])
                except (ValueError, KeyError) as e:
                    problems.append(f"invalid output line: {e}")
                    break
            if not lines and p.returncode == 0:
                problems.append("no output")
            missing = [c for c in expected_defects if c not in codes]
            if missing:
                problems.append(f"expected defects {missing} not reported (got {sorted(codes)})")
            if rss > a.max_rss_mb * 1024:
                problems.append(f"peak RSS {rss_mb:.0f} MB over {a.max_rss_mb} MB")
            if problems:
                failures += 1
                print(f"FAIL {name}: " + "; ".join(problems))
            else:
                print(f"ok   {name}: {len(lines)} result(s), defects {sorted(codes)[:6]}, peak RSS so far {rss_mb:.0f} MB")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
