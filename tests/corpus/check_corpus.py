#!/usr/bin/python3
"""Runs `lapis analyze` on a corpus and checks its output against the JSON Schema.

Usage:
  check_corpus.py --lapis PATH --schema docs/analysis.schema.json
                  [--min-messages N] [--sms] [--timeout SECONDS] [--] INPUT...

The check fails (exit status 1) when
  * lapis crashed: it was killed by a signal or exited with a status other than 0 or 1
    (1 means that some inputs could not be read, which is not a crash),
  * lapis did not finish within --timeout seconds (default 900),
  * an output line is not a JSON object, does not validate against the schema, or has an `id`
    that is not 64 lower-case hexadecimal digits,
  * fewer than --min-messages objects were printed.

The first 20 violations are printed with the message id and the JSON path of the offending
value; the last line is a summary: messages=N invalid=N exit=N seconds=N.

Needs only the Python 3 standard library and python3-jsonschema (Debian package).
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

try:
    import jsonschema
    from jsonschema.exceptions import best_match
except ImportError:  # pragma: no cover - reported to the user
    sys.stderr.write("check_corpus.py: python3-jsonschema is required\n")
    sys.exit(1)

MAX_REPORTED = 20
ID_RE = re.compile(r"^[0-9a-f]{64}$")


def json_path(error):
    """JSON path of the value an error is about ("$.indicators.urls[3].flags")."""
    path = getattr(error, "json_path", None)
    if path:
        return path
    out = "$"
    for part in error.absolute_path:
        out += "[%d]" % part if isinstance(part, int) else ".%s" % part
    return out


def leaf_errors(error):
    """The most specific errors under a oneOf/anyOf failure, else the error itself."""
    if error.context:
        best = best_match(error.context)
        if best is not None:
            return leaf_errors(best)
    return [error]


def describe(error):
    """The error message, without the repr of a whole object or array."""
    text = error.message
    if isinstance(error.instance, (dict, list)):
        text = text.replace(repr(error.instance),
                            "<object>" if isinstance(error.instance, dict) else "<array>")
    return text


def make_validator(schema_path):
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


class Reporter:
    def __init__(self):
        self.reported = 0
        self.suppressed = 0

    def violation(self, where, msg_id, path, text):
        if self.reported >= MAX_REPORTED:
            self.suppressed += 1
            return
        self.reported += 1
        if len(text) > 300:
            text = text[:300] + "..."
        print("violation: %s id=%s path=%s: %s" % (where, msg_id, path, text), flush=True)


def main(argv):
    ap = argparse.ArgumentParser(description="Validate `lapis analyze` output on a corpus.")
    ap.add_argument("--lapis", required=True, help="path of the lapis binary")
    ap.add_argument("--schema", required=True, help="path of docs/analysis.schema.json")
    ap.add_argument("--min-messages", type=int, default=1,
                    help="fail when fewer objects are printed (default 1)")
    ap.add_argument("--sms", action="store_true", help="inputs are SMS files (lapis analyze --sms)")
    ap.add_argument("--timeout", type=float, default=900.0,
                    help="seconds before lapis is killed and the check fails (default 900)")
    ap.add_argument("inputs", nargs="+", metavar="INPUT")
    args = ap.parse_args(argv)

    try:
        validator = make_validator(args.schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
        print("check_corpus.py: cannot load schema %s: %s" % (args.schema, e), file=sys.stderr)
        return 1

    cmd = [args.lapis, "analyze", "--jobs", "2"]
    if args.sms:
        cmd.append("--sms")
    cmd.append("--")
    cmd.extend(args.inputs)

    start = time.monotonic()
    stderr_file = tempfile.TemporaryFile()
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr_file,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as e:
        print("check_corpus.py: cannot run %s: %s" % (args.lapis, e), file=sys.stderr)
        return 1

    timed_out = threading.Event()

    def kill_on_timeout():
        timed_out.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the session this script created for lapis
        except ProcessLookupError:
            pass

    timer = threading.Timer(args.timeout, kill_on_timeout)
    timer.daemon = True
    timer.start()

    rep = Reporter()
    messages = 0
    invalid = 0
    lineno = 0
    try:
        for raw in proc.stdout:
            lineno += 1
            where = "line %d" % lineno
            if not raw.endswith(b"\n"):
                invalid += 1
                rep.violation(where, "?", "$", "last output line is not terminated (output cut?)")
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                invalid += 1
                rep.violation(where, "?", "$", "not JSON / not UTF-8: %s" % e)
                continue
            messages += 1
            msg_id = obj.get("id") if isinstance(obj, dict) else None
            src = obj.get("source") if isinstance(obj, dict) else None
            if isinstance(src, dict) and src.get("path"):
                where = "%s%s" % (src.get("path"),
                                  "" if src.get("index") is None else "#%s" % src.get("index"))
            bad = False
            if not isinstance(msg_id, str) or not ID_RE.match(msg_id):
                bad = True
                rep.violation(where, msg_id, "$.id", "id is not 64 lower-case hex digits: %r" % (msg_id,))
            for err in validator.iter_errors(obj):
                bad = True
                for leaf in leaf_errors(err):
                    rep.violation(where, msg_id, json_path(leaf), describe(leaf))
            if bad:
                invalid += 1
        rc = proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            kill_on_timeout()
            proc.wait()
    seconds = time.monotonic() - start

    stderr_file.seek(0)
    stderr_text = stderr_file.read().decode("utf-8", "replace")
    stderr_file.close()

    failed = False
    if timed_out.is_set():
        failed = True
        print("FAIL: lapis did not finish within %g seconds (killed)" % args.timeout)
    elif rc < 0:
        failed = True
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = str(-rc)
        print("FAIL: lapis was killed by signal %s" % name)
    elif rc not in (0, 1):
        failed = True
        print("FAIL: lapis exited with status %d" % rc)
    if (failed or rc == 1) and stderr_text:
        tail = stderr_text.strip().splitlines()[-20:]
        print("lapis stderr (last %d lines):" % len(tail))
        for line in tail:
            print("  " + line)
    if rep.suppressed:
        print("... %d more violations not shown" % rep.suppressed)
    if invalid:
        failed = True
        print("FAIL: %d of %d output lines are invalid" % (invalid, lineno))
    if messages < args.min_messages:
        failed = True
        print("FAIL: %d messages analysed, at least %d expected" % (messages, args.min_messages))

    print("messages=%d invalid=%d exit=%d seconds=%.1f" % (messages, invalid, rc, seconds))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
