#!/usr/bin/env python3
"""kill -9 of `lapis serve` in the middle of a sustained intake over HTTP: after a restart every
report that was acknowledged (202) is present, its evidence verifies byte for byte, and it gets
analysed.

  crash_test.py --lapis BINARY --sa SPAMASSASSIN_DIR [--database URL] [--seconds S] [--clients N]
"""
import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from api_test import Node, check, FAILURES  # noqa: E402


def corpus(sa, limit=3000):
    out = []
    for root, _, files in os.walk(sa):
        for f in sorted(files):
            with open(os.path.join(root, f), "rb") as fh:
                out.append(fh.read())
            if len(out) >= limit:
                return out
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    ap.add_argument("--sa", required=True)
    ap.add_argument("--database", default="")
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--clients", type=int, default=8)
    a = ap.parse_args()
    messages = corpus(a.sa)
    with tempfile.TemporaryDirectory() as tmp:
        node = Node(a.lapis, os.path.join(tmp, "node"), a.database)
        token = node.token("agency-a")
        node.start()
        acked, errors, lock = {}, [], threading.Lock()
        stop = threading.Event()

        def client(k):
            i = k
            while not stop.is_set():
                # Distinct bytes: a corpus message with a header naming the submission.
                body = f"X-Crash-Test: {k}-{i}\r\n".encode() + messages[i % len(messages)]
                i += a.clients
                r = urllib.request.Request(node.base + "/api/v1/reports", data=body, method="POST")
                r.add_header("Authorization", "Bearer " + token)
                r.add_header("Content-Type", "message/rfc822")
                try:
                    with urllib.request.urlopen(r, timeout=30) as resp:
                        if resp.status == 202:
                            rid = json.loads(resp.read())["id"]
                            with lock:
                                acked[rid] = hashlib.sha256(body).hexdigest()
                except urllib.error.HTTPError as e:
                    if e.code != 503:
                        with lock:
                            errors.append(e.code)
                except Exception:
                    pass  # the server died under us: the request was not acknowledged

        threads = [threading.Thread(target=client, args=(k,)) for k in range(a.clients)]
        for t in threads:
            t.start()
        time.sleep(a.seconds)
        node.proc.send_signal(signal.SIGKILL)
        node.proc.wait()
        stop.set()
        for t in threads:
            t.join()
        check("reports were acknowledged before the kill", len(acked) > 50, len(acked))
        check("no request failed except by the kill", not errors, errors[:5])
        check("every acknowledged id is the SHA-256 of the bytes sent", all(k == v for k, v in acked.items()))
        node.start()
        missing = [rid for rid in acked if node.req("GET", f"/api/v1/reports/{rid}", token=token)[0] != 200]
        check(f"all {len(acked)} acknowledged reports are present after kill -9 and restart", not missing,
              f"{len(missing)} missing, e.g. {missing[:3]}")
        sample = list(acked)[:: max(1, len(acked) // 50)]
        bad = [rid for rid in sample
               if hashlib.sha256(node.req("GET", f"/api/v1/reports/{rid}/raw", token=token)[2]).hexdigest() != rid]
        check("their evidence downloads byte for byte", not bad, bad[:3])
        deadline = time.time() + 300
        pending = list(acked)
        while pending and time.time() < deadline:
            still = []
            for rid in pending:
                st, _, body = node.req("GET", f"/api/v1/reports/{rid}", token=token)
                if st != 200 or json.loads(body)["status"] != "analysed":
                    still.append(rid)
            pending = still
            if pending:
                time.sleep(1)
        check("every acknowledged report is analysed after the restart", not pending, f"{len(pending)} not analysed")
        node.stop()
        p = node.run("verify")
        check("lapis verify: the evidence store is intact", p.returncode == 0 and " 0 corrupt" in p.stdout,
              p.stdout + p.stderr)
        print(f"acknowledged {len(acked)} reports in {a.seconds:.0f} s with {a.clients} clients before the kill")
    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
