#!/usr/bin/env python3
"""The node's SMTP and LMTP listener, run as a mail server would meet it: `lapis serve --smtp
--lmtp` on 127.0.0.1 (free ports), real spam sent with swaks, hostile clients on raw sockets, and a
real Postfix (own config and queue directories in a temporary folder) relaying to the node by LMTP
and by SMTP. What arrives is checked through the HTTP API and the node's database.

  smtp_test.py --lapis BINARY --shared DIR --sa SPAMASSASSIN_DIR
"""
import argparse
import hashlib
import json
import os
import pwd
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))
import api_test  # noqa: E402
from api_test import FAILURES, check  # noqa: E402

MAX_SIZE = 200000       # --smtp-max-message-size
MAX_CONNECTIONS = 8     # --smtp-max-connections
TIMEOUT = 2             # --smtp-timeout
POSTFIX = "/usr/sbin/postfix"
ROUTES = ["spam@agency.example=agency-a", "abuse@agency.example=agency-a", "*@agency-b.example=agency-b"]


def wire(message):
    """The message as sent in DATA (CRLF lines, dot-stuffed, final dot) and the bytes that arrive."""
    if message.startswith(b"From "):  # an mbox envelope line is not part of the message
        message = message.split(b"\n", 1)[1]
    body = re.sub(rb"(?<!\r)\n", b"\r\n", message)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    stuffed = re.sub(rb"(?m)^\.", b"..", body)
    return stuffed + b".\r\n", body


class Node(api_test.Node):
    """The API test's node, started with the mail listeners and their routes."""

    def __init__(self, lapis, data):
        super().__init__(lapis, data, "")

    def start(self):
        args = ["--smtp", "127.0.0.1:0", "--lmtp", "127.0.0.1:0", "--smtp-timeout", str(TIMEOUT),
                "--smtp-max-connections", str(MAX_CONNECTIONS), "--smtp-max-message-size", str(MAX_SIZE),
                "--smtp-hostname", "node.lapis-test.invalid"]
        for r in ROUTES:
            args += ["--smtp-route", r]
        super().start(*args)
        startup = "".join(self.log)
        smtp = re.search(r"smtp listening on 127\.0\.0\.1:(\d+)", startup)
        lmtp = re.search(r"lmtp listening on 127\.0\.0\.1:(\d+)", startup)
        if not (smtp and lmtp):
            raise RuntimeError("mail listeners did not start: " + startup)
        self.smtp, self.lmtp = int(smtp.group(1)), int(lmtp.group(1))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)

    def get(self, path, token=None):
        st, _, body = self.req("GET", path, token=token)
        return st, body

    def report(self, token, rid):
        st, body = self.get(f"/api/v1/reports/{rid}", token)
        return json.loads(body) if st == 200 else None

    def wait_analysed(self, token, rid, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = self.report(token, rid)
            if r and r["status"] != "pending":
                return r
            time.sleep(0.2)
        return self.report(token, rid)

    def search(self, token, word, want, timeout=90):
        """Reports whose subject or body has `word`, once there are `want` of them (or the timeout)."""
        deadline = time.time() + timeout
        items = []
        while time.time() < deadline:
            st, body = self.get(f"/api/v1/reports?q={word}", token)
            items = json.loads(body)["items"] if st == 200 else []
            if len(items) >= want:
                break
            time.sleep(0.5)
        return items


def swaks(port, to, data_file, *extra):
    p = subprocess.run(["swaks", "--server", f"127.0.0.1:{port}", "--to", to, "--from", "reporter@example.org",
                        "--helo", "reporter.example", "--data", "@" + data_file, "--no-data-fixup",
                        "--timeout", "60", *extra], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


class Conn:
    """A raw SMTP client: send bytes, read whole replies."""

    def __init__(self, port, timeout=10):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        try:
            self.s.sendall(data)
        except OSError:  # the server may close first (too many errors)
            pass

    def reply(self):
        """One reply (all its lines) as text, or "" when the server closed the connection."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                try:
                    chunk = self.s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    chunk = b""
                if not chunk:
                    return "\n".join(lines)
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode("latin-1"))
            if len(line) < 4 or line[3:4] != b"-":
                return "\n".join(lines)

    def closed(self, timeout=10):
        self.s.settimeout(timeout)
        try:
            while True:
                chunk = self.s.recv(65536)
                if not chunk:
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        self.s.close()


def corpus_samples(shared, sa):
    """A few real spam messages under the size limit: phishing-pot and SpamAssassin."""
    out = []
    pot = os.path.join(shared, "corpus", "phishing-pot", "shared")
    for name in sorted(os.listdir(pot))[:40]:
        path = os.path.join(pot, name)
        if os.path.getsize(path) < MAX_SIZE // 2 and len(out) < 3:
            out.append(path)
    for group in ("spam-2", "spam-1"):
        d = os.path.join(sa, group)
        for name in sorted(os.listdir(d))[:40]:
            path = os.path.join(d, name)
            if name.endswith(".txt") and os.path.getsize(path) < MAX_SIZE // 2 and len(out) < 6:
                out.append(path)
    return out


def test_corpus_by_swaks(node, tmp, ta, samples, db):
    ids = []
    for i, path in enumerate(samples):
        with open(path, "rb") as f:
            sent, stored = wire(f.read())
        wf = os.path.join(tmp, f"wire-{i}.eml")
        with open(wf, "wb") as f:
            f.write(sent)
        rid = hashlib.sha256(stored).hexdigest()
        rc, out = swaks(node.smtp, "spam@agency.example", wf)
        name = os.path.basename(path)
        check(f"swaks {name}: 250 with the SHA-256 of the bytes", rc == 0 and f"250 2.0.0 Ok: stored as {rid}" in out,
              (rc, out[-400:]))
        ids.append((name, rid, stored))
    for name, rid, stored in ids:
        r = node.wait_analysed(ta, rid)
        check(f"{name} is stored and analysed", r is not None and r["status"] == "analysed"
              and r["analysis"]["id"] == rid, r and (r["status"], r.get("error")))
        st, raw = node.get(f"/api/v1/reports/{rid}/raw", ta)
        check(f"{name}: the evidence is the exact bytes received", st == 200 and raw == stored, (st, len(raw)))
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    row = con.execute("SELECT c.channel, c.source, p.data FROM complaints c JOIN complaint_personal_data p "
                      "ON p.complaint_id = c.id WHERE c.sha256 = ?", (ids[0][1],)).fetchone()
    con.close()
    check("the complaint records channel, peer and who sent it", row is not None and row[0] == "smtp"
          and row[1] == "127.0.0.1" and json.loads(row[2]) ==
          {"address": "reporter@example.org", "ip": "127.0.0.1", "helo": "reporter.example"}, row)
    return ids


def test_refusals_and_duplicates(node, tmp, ta, tb, first):
    name, rid, stored = first
    wf = os.path.join(tmp, "dup.eml")
    with open(wf, "wb") as f:
        f.write(wire(stored)[0])
    rc, out = swaks(node.smtp, "SPAM@Agency.Example", wf)
    check("the same bytes again (recipient in another case): 250", rc == 0 and rid in out, out[-300:])
    r = node.report(ta, rid)
    check("duplicate: one report, two complaints", r is not None and r["complaints"] == 2, r and r["complaints"])
    rc, out = swaks(node.smtp, "nobody@agency.example", wf)
    check("unknown recipient: 550 5.1.1", rc != 0 and "550 5.1.1" in out, out[-300:])
    big = b"Subject: too big\r\nMessage-ID: <big@lapis-test.invalid>\r\n\r\n" + b"x" * 998 + b"\r\n"
    big = big * (MAX_SIZE // 1000 + 20)
    wf = os.path.join(tmp, "big.eml")
    with open(wf, "wb") as f:
        f.write(wire(big)[0])
    rc, out = swaks(node.smtp, "spam@agency.example", wf)
    check("oversize message: 552 5.3.4", rc != 0 and "552 5.3.4" in out, out[-300:])
    check("oversize message: nothing stored", node.report(ta, hashlib.sha256(wire(big)[1]).hexdigest()) is None)
    c = Conn(node.smtp)
    c.reply()
    c.send(b"EHLO c\r\n")
    ehlo = c.reply()
    check("EHLO advertises SIZE and the extensions", f"250-SIZE {MAX_SIZE}" in ehlo and "PIPELINING" in ehlo
          and "8BITMIME" in ehlo and "ENHANCEDSTATUSCODES" in ehlo and "SMTPUTF8" in ehlo, ehlo)
    c.send(f"MAIL FROM:<a@example.org> SIZE={MAX_SIZE + 1}\r\n".encode())
    check("MAIL FROM with SIZE over the limit: 552", c.reply().startswith("552 5.3.4"))
    c.send(b"QUIT\r\n")
    c.close()
    # LMTP: two recipients in two organisations, one reply each.
    msg = (b"From: deals@shop-deals.example\r\nTo: a@example.org\r\nSubject: lmtp two orgs\r\n"
           b"Message-ID: <lmtp-two@shop-deals.example>\r\n\r\nReplica watches http://shop-deals.example/\r\n")
    wf = os.path.join(tmp, "lmtp.eml")
    with open(wf, "wb") as f:
        f.write(wire(msg)[0])
    rid2 = hashlib.sha256(msg).hexdigest()
    rc, out = swaks(node.lmtp, "spam@agency.example,report@agency-b.example", wf, "--protocol", "LMTP")
    replies = re.findall(r"^<-  (250 2\.0\.0 <[^>]+> Ok: stored as \w+)", out, re.M)
    check("LMTP: one 250 per recipient after the data", rc == 0 and len(replies) == 2 and all(rid2 in x for x in replies),
          out[-600:])
    ra, rb = node.wait_analysed(ta, rid2), node.wait_analysed(tb, rid2)
    check("LMTP: a report in each organisation", ra is not None and rb is not None and ra["complaints"] == 1
          and rb["complaints"] == 1)


def test_hostile(node, ta):
    # Garbage bytes: refused, then the connection is closed after too many errors.
    c = Conn(node.smtp)
    c.reply()
    rnd = random.Random(5321)
    c.send(bytes(rnd.randrange(256) for _ in range(100000)))
    check("garbage: the connection is closed", c.closed())
    c.close()
    # A line of a million bytes.
    c = Conn(node.smtp)
    c.reply()
    c.send(b"EHLO " + b"a" * 1000000 + b"\r\n")
    check("1,000,000-byte command line: 500 5.5.2", c.reply().startswith("500 5.5.2"))
    c.send(b"NOOP\r\n")
    check("the connection is still usable after it", c.reply().startswith("250"))
    c.send(b"EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<spam@agency.example>\r\nDATA\r\n")
    codes = [c.reply()[:3] for _ in range(4)]
    c.send(b"Subject: long line\r\n\r\n" + b"y" * 1000000 + b"\r\n.\r\n")
    check("1,000,000-byte data line in a message over the limit: 552", codes == ["250", "250", "250", "354"]
          and c.reply().startswith("552"), codes)
    c.close()
    # A client that never says anything.
    t0 = time.time()
    c = Conn(node.smtp, timeout=TIMEOUT + 10)
    greeting = c.reply()
    bye = c.reply()
    check("silent client: 421 4.4.2 after the timeout, then closed", greeting.startswith("220") and
          bye.startswith("421 4.4.2") and c.closed() and time.time() - t0 < TIMEOUT + 5, (greeting, bye))
    c.close()
    # More connections than the cap, at once.
    time.sleep(0.5)  # the connections above are gone
    conns = [Conn(node.smtp) for _ in range(MAX_CONNECTIONS + 4)]
    first = [c.reply()[:3] for c in conns]
    check(f"{MAX_CONNECTIONS + 4} connections at once: {MAX_CONNECTIONS} greeted, the rest 421",
          first.count("220") == MAX_CONNECTIONS and first.count("421") == 4, first)
    for c in conns:
        c.close()
    ok = False
    deadline = time.time() + 10
    while not ok and time.time() < deadline:
        c = Conn(node.smtp)
        ok = c.reply().startswith("220")
        c.close()
        time.sleep(0.1)
    check("after they are gone, new connections are greeted", ok)
    # Pipelined transaction in one write.
    msg = b"Subject: pipelined\r\n\r\nAll commands in one packet.\r\n"
    c = Conn(node.smtp)
    c.reply()
    c.send(b"EHLO c\r\nMAIL FROM:<p@example.org>\r\nRCPT TO:<spam@agency.example>\r\nDATA\r\n")
    codes = [c.reply()[:3] for _ in range(4)]
    c.send(msg + b".\r\nQUIT\r\n")
    last = c.reply()
    check("pipelined client", codes == ["250", "250", "250", "354"] and hashlib.sha256(msg).hexdigest() in last
          and c.reply().startswith("221"), (codes, last))
    c.close()
    st, body = node.get("/metrics")
    text = body.decode()
    m = re.search(r'lapis_smtp_connections_refused_total\{protocol="smtp"\} (\d+)', text)
    check("/metrics has the listener's counters", st == 200 and m and int(m.group(1)) >= 4
          and re.search(r'lapis_smtp_messages_accepted_total\{protocol="smtp"\} [1-9]', text)
          and re.search(r'lapis_smtp_messages_rejected_total\{protocol="smtp"\} [1-9]', text)
          and 'lapis_smtp_connections{protocol="lmtp"}' in text, text[-800:])


POSTFIX_MAIN = """\
compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = relay.lapis-test.invalid
mydomain = lapis-test.invalid
myorigin = $myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
local_transport = error:5.1.1 no local delivery here
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = agency.example, agency-b.example
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
transport_maps = inline:{{ spam@agency.example=lmtp:inet:127.0.0.1:{lmtp}, agency-b.example=lmtp:inet:127.0.0.1:{lmtp}, abuse@agency.example=smtp:[127.0.0.1]:{smtp} }}
smtp_tls_security_level = none
smtpd_tls_security_level = none
maillog_file = {d}/maillog
maillog_file_prefixes = {d}
biff = no
delay_warning_time = 0
"""

# Postfix's own services, none chrooted (the queue is in a temporary folder); smtpd on a free port.
POSTFIX_MASTER = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup     unix  n - n 60    1 pickup
cleanup    unix  n - n -     0 cleanup
qmgr       unix  n - n 300   1 qmgr
tlsmgr     unix  - - n 1000? 1 tlsmgr
rewrite    unix  - - n -     - trivial-rewrite
bounce     unix  - - n -     0 bounce
defer      unix  - - n -     0 bounce
trace      unix  - - n -     0 bounce
verify     unix  - - n -     1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -     - proxymap
proxywrite unix  - - n -     1 proxymap
smtp       unix  - - n -     - smtp
relay      unix  - - n -     - smtp
showq      unix  n - n -     - showq
error      unix  - - n -     - error
retry      unix  - - n -     - error
discard    unix  - - n -     - discard
lmtp       unix  - - n -     - lmtp
anvil      unix  - - n -     1 anvil
scache     unix  - - n -     1 scache
postlog    unix-dgram n - n - 1 postlogd
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_postfix(node, tmp, ta, tb):
    if not os.path.exists(POSTFIX):
        print("skipped: postfix not installed")
        return
    sudo = []
    if os.geteuid() != 0:
        if subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode != 0:
            print("skipped: postfix must be started as root (no root and no password-less sudo)")
            return
        sudo = ["sudo", "-n"]
    d = os.path.join(tmp, "postfix")
    conf = os.path.join(d, "conf")
    for sub in ("conf", "queue", "data"):
        os.makedirs(os.path.join(d, sub))
    for p in (tmp, d):
        os.chmod(p, 0o755)  # Postfix's daemons run as mail_owner and must reach the queue
    port = free_port()
    with open(os.path.join(conf, "main.cf"), "w") as f:
        f.write(POSTFIX_MAIN.format(d=d, lmtp=node.lmtp, smtp=node.smtp))
    with open(os.path.join(conf, "master.cf"), "w") as f:
        f.write(POSTFIX_MASTER.format(port=port))
    owner = pwd.getpwnam("postfix")
    subprocess.run(sudo + ["chown", f"{owner.pw_uid}:{owner.pw_gid}", os.path.join(d, "data")], check=True)
    maillog = os.path.join(d, "maillog")

    def postfix(*args):
        return subprocess.run(sudo + [POSTFIX, "-c", conf, *args], capture_output=True, text=True, timeout=120)

    p = postfix("check")
    check("postfix check: no warnings", p.returncode == 0 and not p.stderr.strip(), p.stderr[-500:])
    p = postfix("start")
    started = p.returncode == 0
    check("postfix starts with its own config and queue", started, p.stderr[-500:])
    try:
        if started:
            postfix_relay(node, tmp, port, ta, tb, maillog)
    finally:
        p = postfix("stop")
        if started:
            check("postfix stops", p.returncode == 0, p.stderr[-300:])
        log = open(maillog, errors="replace").read() if os.path.exists(maillog) else ""
        if sudo:
            subprocess.run(sudo + ["rm", "-rf", d])
        check("postfix logged no warning or error", not re.search(r"(warning|error|fatal|panic):", log),
              "\n".join(x for x in log.splitlines() if re.search(r"(warning|error|fatal|panic):", x))[-1500:])


def postfix_relay(node, tmp, port, ta, tb, maillog):
    word = "pfx%08d" % random.Random().randrange(10**8)
    sent = {}
    for i, (to, via) in enumerate([("spam@agency.example", "lmtp"), ("abuse@agency.example", "smtp"),
                                   ("spam@agency.example,report@agency-b.example", "lmtp")]):
        mid = f"<{word}.{i}@shop-deals.example>"
        body = (f"From: deals@shop-deals.example\r\nTo: victim@example.org\r\nSubject: {word} {via} {i}\r\n"
                f"Message-ID: {mid}\r\nDate: Tue, 25 Nov 2025 10:00:00 +0000\r\n\r\n"
                f"Cheap replica watches {word}, order at http://shop-deals.example/{i}\r\n").encode()
        wf = os.path.join(tmp, f"postfix-{i}.eml")
        with open(wf, "wb") as f:
            f.write(wire(body)[0])
        rc, out = swaks(port, to, wf)
        check(f"postfix accepts message {i} for {to}", rc == 0 and "250 2.0.0 Ok: queued" in out, out[-400:])
        sent[mid] = (body, via)
    items = node.search(ta, word, 3)
    check("the three messages relayed by postfix arrive in agency-a", len(items) == 3, [x["subject"] for x in items])
    for it in items:
        st, raw = node.get(f"/api/v1/reports/{it['id']}/raw", ta)
        mid = next((m for m in sent if m.encode() in raw), None)
        body, via = sent.get(mid, (b"", ""))
        check(f"relayed by {via}: the stored bytes are the message with Postfix's Received line",
              st == 200 and mid is not None and raw.endswith(body.split(b"\r\n\r\n", 1)[1])
              and b"by relay.lapis-test.invalid (Postfix)" in raw
              and hashlib.sha256(raw).hexdigest() == it["id"], (st, raw[:300]))
    items_b = node.search(tb, word, 1)
    check("the message for two organisations arrives in agency-b too", len(items_b) == 1, items_b)
    log = open(maillog, errors="replace").read()
    sent_lines = re.findall(r"status=sent \((250 2\.0\.0 .*)\)", log)
    check("postfix logs the deliveries as sent, with the report id", len(sent_lines) == 4
          and all("stored as" in x for x in sent_lines), "\n".join(log.splitlines()[-15:]))
    check("postfix used both LMTP and SMTP", "postfix/lmtp[" in log and "postfix/smtp[" in log)


def test_stop_in_data(node, ta):
    c = Conn(node.smtp)
    c.reply()
    c.send(b"EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<spam@agency.example>\r\nDATA\r\n")
    codes = [c.reply()[:3] for _ in range(4)]
    partial = b"Subject: cutshort4711\r\n\r\nhalf of it\r\n"
    c.send(partial)
    time.sleep(0.3)
    rc = node.stop()
    check("SIGTERM in the middle of DATA: 421, nothing acknowledged", codes[-1] == "354"
          and c.reply().startswith("421 4.3.2"), codes)
    check("SIGTERM stops the node with status 0", rc == 0, rc)
    c.close()


def test_config_and_usage(lapis, tmp):
    data = os.path.join(tmp, "config-node")
    cfg = os.path.join(tmp, "lapis.toml")
    with open(cfg, "w") as f:
        f.write('[serve]\nlisten = "127.0.0.1:0"\nlmtp = "127.0.0.1:0"\n'
                'smtp-route = ["spam@agency.example=agency-a", "*@agency-b.example=agency-b"]\n'
                'smtp-timeout = 5\n')
    proc = subprocess.Popen([lapis, "--config", cfg, "serve", "--data", data], stderr=subprocess.PIPE, text=True)
    port, lines = None, []
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stderr.readline()
        lines.append(line)
        if m := re.search(r"lmtp listening on 127\.0\.0\.1:(\d+)", line):
            port = int(m.group(1))
        if not line or "listening on http" in line:
            break
    ok = False
    if port:
        wf = os.path.join(tmp, "config.eml")
        with open(wf, "wb") as f:
            f.write(wire(b"Subject: config\r\n\r\nrouted by the config file\r\n")[0])
        rc, out = swaks(port, "anyone@agency-b.example", wf, "--protocol", "LMTP")
        ok = rc == 0 and "250 2.0.0 <anyone@agency-b.example> Ok" in out
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    check("[serve] in the config file: lmtp and smtp-route", ok, "".join(lines))
    for name, extra in [("a listener without routes", ["--smtp", "127.0.0.1:0"]),
                        ("a malformed route", ["--smtp", "127.0.0.1:0", "--smtp-route", "spam@agency.example"]),
                        ("an address without port", ["--lmtp", "127.0.0.1", "--smtp-route", "a@b.example=x"])]:
        p = subprocess.run([lapis, "serve", "--data", data, "--listen", "127.0.0.1:0", *extra],
                           capture_output=True, text=True, timeout=60)
        check(f"{name}: usage error (exit 2)", p.returncode == 2 and "listening" not in p.stderr, p.stderr[-300:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--sa", required=True)
    a = ap.parse_args()
    if not shutil.which("swaks"):
        print("FAIL swaks is not installed (scripts/setup.sh installs it)")
        return 1
    samples = corpus_samples(a.shared, a.sa)
    check("corpus samples found", len(samples) == 6, samples)
    with tempfile.TemporaryDirectory() as tmp:
        test_config_and_usage(a.lapis, tmp)
        data = os.path.join(tmp, "node")
        node = Node(a.lapis, data)
        ta, tb = node.token("agency-a"), node.token("agency-b")
        node.start()
        try:
            ids = test_corpus_by_swaks(node, tmp, ta, samples, os.path.join(data, "lapis.db"))
            test_refusals_and_duplicates(node, tmp, ta, tb, ids[0])
            test_hostile(node, ta)
            test_postfix(node, tmp, ta, tb)
            test_stop_in_data(node, ta)
        finally:
            if node.proc.poll() is None:
                node.stop()
        check("no message was refused for lack of storage", not any("intake.error" in x for x in node.log),
              "".join(node.log)[-500:])
        node.start()
        r = node.report(ta, ids[-1][1])
        check("acknowledged messages are there after a restart", r is not None)
        check("the cut-short message is not", not node.search(ta, "cutshort4711", 1, timeout=1))
        rc = node.stop()
        check("the restarted node stops with status 0", rc == 0, rc)
    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
