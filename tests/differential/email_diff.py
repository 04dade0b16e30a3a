#!/usr/bin/python3
"""Differential test: lapis header decoding against Python's email package.

Runs `lapis analyze` once over a corpus directory, parses every *.txt file in it
independently with email.parser.BytesParser(policy=email.policy.default) and
compares, per message:

  subject  decoded Subject (whitespace runs collapsed to one space, trimmed)
  from     address of the first From mailbox (case-insensitive)
  date     Date as a UTC epoch (naive Python datetimes are taken as UTC)

A header missing (or empty) on both sides counts as agreement. When Python
raises an exception while reading a header, that message/field goes into a
separate "python could not parse" bucket: it is listed in the report but not
counted for or against lapis (it is left out of the ratio's denominator).

Prints the agreement ratio per field, writes every disagreement (file, field,
lapis value, python value, raw header, automatic cause) to --report, and exits
1 when any field is below --min-agreement (2 on usage errors or when lapis
cannot be run).

Standard library only; tested with Python 3.11.

  email_diff.py --lapis build/apps/lapis/lapis [--min-agreement 0.99]
                [--report FILE] [--format text|jsonl] [--jobs 2]
                [--data-dir DIR] [--unwrap] [--python-obs-year] CORPUS_DIR
"""

import argparse
import base64
import binascii
import calendar
import codecs
import collections
import datetime
import email
import email.policy
import json
import os
import quopri
import re
import subprocess
import sys
import tempfile
from email.parser import BytesParser

FIELDS = ("subject", "from", "date")

# ---------------------------------------------------------------------------
# Normalisation and value extraction


# Whitespace runs (ASCII whitespace) collapse to one space. C0 control
# characters are treated as whitespace on both sides too: lapis replaces them
# with a space when it sanitises decoded text, Python keeps them, and that is
# a presentation choice rather than a decoding difference.
_WS_RE = re.compile(r"[\x00-\x20\x7f]+")


def norm_text(s):
    if s is None:
        return None
    s = _WS_RE.sub(" ", s).strip()
    return s or None


def norm_addr(s):
    if s is None:
        return None
    s = s.strip()
    return s.lower() if s else None


def lapis_epoch(s):
    if not s:
        return None
    try:
        return calendar.timegm(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").timetuple())
    except ValueError:
        return ("unparseable lapis date", s)


def py_subject(msg):
    h = msg["subject"]
    if h is None:
        return None
    return norm_text(str(h))


def py_from(msg):
    h = msg["from"]
    if h is None:
        return None
    addrs = h.addresses
    if not addrs:
        return None
    return addrs[0].addr_spec or None


# Set by --python-obs-year: read a Python year below 1000 as year + 1900.
OBS_YEAR = False


def py_date(msg):
    h = msg["date"]
    if h is None:
        return None
    dt = h.datetime
    if dt is None:
        return None
    if OBS_YEAR and dt.year < 1000:
        try:
            dt = dt.replace(year=dt.year + 1900)
        except ValueError:
            pass
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp())


PY_GETTERS = {"subject": py_subject, "from": py_from, "date": py_date}


def py_defects(msg, name):
    try:
        h = msg[name]
    except Exception:  # noqa: BLE001 - reported elsewhere
        return []
    if h is None:
        return []
    return [type(d).__name__ for d in getattr(h, "defects", ())]


def raw_header(msg, name):
    """First raw (undecoded, unfolded) value of a header, as bytes, or None."""
    for k, v in msg.raw_items():
        if k.lower() == name:
            try:
                b = v.encode("ascii", "surrogateescape")
            except UnicodeEncodeError:
                b = v.encode("utf-8", "surrogateescape")
            return re.sub(rb"\r?\n(?=[ \t])", b"", b).rstrip(b"\r\n")
    return None


def strip_envelope(data):
    """Drop a leading mbox 'From ' envelope line, as lapis does for an mbox."""
    if data.startswith(b"From "):
        nl = data.find(b"\n")
        return b"" if nl < 0 else data[nl + 1:]
    return data


# ---------------------------------------------------------------------------
# Running lapis


def default_data_dir():
    env = os.environ.get("LAPIS_DATA_DIR")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    cand = os.path.normpath(os.path.join(here, "..", "..", ".data"))
    return cand if os.path.isdir(cand) else None


def run_lapis(binary, corpus, jobs, data_dir, unwrap):
    """Returns ({realpath: [record, ...]}, stderr text, exit status)."""
    cmd = [binary, "analyze", "--jobs", str(jobs)]
    if not unwrap:
        cmd.append("--no-unwrap")
    cmd.append(corpus)
    env = dict(os.environ)
    if data_dir:
        env["LAPIS_DATA_DIR"] = data_dir
    records = collections.defaultdict(list)
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env)
        except OSError as e:
            print(f"email_diff: cannot run {binary}: {e}", file=sys.stderr)
            sys.exit(2)
        for line in proc.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                d = json.loads(line)
            except ValueError:
                continue
            src = d.get("source") or {}
            path = src.get("path")
            if not path:
                continue
            h = d.get("headers") or {}
            frm = h.get("from") or {}
            rec = {
                "index": src.get("index"),
                "subject": h.get("subject"),
                "from": frm.get("address") if isinstance(frm, dict) else None,
                "date": h.get("date"),
                "wrapper": d.get("wrapper"),
                "defects": [x.get("code") for x in d.get("defects") or [] if isinstance(x, dict)],
            }
            if unwrap and rec["wrapper"]:
                w = rec["wrapper"]
                rec["subject"] = w.get("outer_subject")
                rec["from"] = w.get("outer_from")
                rec["date"] = w.get("outer_date")
            records[os.path.realpath(path)].append(rec)
        rc = proc.wait()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return records, stderr, rc


# ---------------------------------------------------------------------------
# Automatic classification of a disagreement

EW_RE = re.compile(rb"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def _ew_bytes(enc, payload):
    try:
        if enc in (b"b", b"B"):
            p = payload + b"=" * (-len(payload) % 4)
            return base64.b64decode(p)
        return quopri.decodestring(payload.replace(b"_", b" "), header=False)
    except (binascii.Error, ValueError):
        return None


def _codec(name):
    if isinstance(name, bytes):
        name = name.decode("ascii", "replace")
    name = name.split("*", 1)[0]  # RFC 2231 language suffix
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def body_charset(msg):
    """First charset parameter of a leaf part (the fallback lapis uses for 8-bit headers)."""
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            cs = part.get_param("charset")
        except Exception:  # noqa: BLE001
            cs = None
        if isinstance(cs, tuple):
            cs = cs[2]
        if cs:
            return str(cs).strip().lower()
    return None


def meta_charsets(data):
    return sorted({m.decode("ascii", "replace").lower()
                   for m in re.findall(rb"(?i)charset=(?:3D)?[\"']?([A-Za-z0-9_.:-]{2,40})", data)})


# lapis reads these charset labels as another charset (CharsetAlias in src/mail/message.cc);
# the values are Python codec names (None: Python has no such codec).
LAPIS_CHARSET_ALIASES = {
    "chinesebig5": "big5", "big5-hkscs": "big5hkscs", "x-sjis": "shift_jis",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030",
    "iso-8859-1": "cp1252", "ks_c_5601-1987": "cp949", "euc-kr": "cp949",
    "x-euc-tw": None, "unicode-1-1-utf-7": "utf-7",
}


def guess_8bit(raw, lapis_val, msg, data):
    """Which decoding of a raw 8-bit header reproduces lapis's text."""
    cs = body_charset(msg)
    tried = []
    declared = cs
    if cs in LAPIS_CHARSET_ALIASES:
        declared = LAPIS_CHARSET_ALIASES[cs]
        cs_label = f"declared body charset {cs} (read by lapis as {declared or 'an unknown charset'})"
    else:
        cs_label = f"declared body charset {cs}"
    for label, name in (("UTF-8", "utf-8"), (cs_label, declared), ("windows-1252 fallback", "cp1252")):
        if not name or name in ("us-ascii", "ascii"):
            continue
        codec = _codec(name)
        tried.append(label if codec else f"{label} (unknown to Python)")
        if not codec:
            continue
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if norm_text(text) == lapis_val:
            note = f"lapis decoded the 8-bit bytes as {label}"
            if "windows-1252" in label:
                others = [c for c in meta_charsets(data) if c not in ("us-ascii", "iso-8859-1", "windows-1252")]
                if cs and not _codec(cs):
                    note += f"; body charset {cs!r} is not a known charset name"
                elif cs:
                    note += f"; body charset {cs!r} did not fit"
                else:
                    note += "; no part declares a charset"
                if others:
                    note += f"; a charset= elsewhere in the message says {', '.join(others[:3])}"
            return note
    return "lapis decoding of the 8-bit bytes not reproduced (" + ", ".join(tried) + ")"


def classify_subject(raw, lv, pv, msg, data, defects):
    """Tags describing a Subject disagreement; the first one is the main cause."""
    if raw is None:
        return ["no raw Subject header found"]
    tags = []
    words = list(EW_RE.finditer(raw))
    for i, m in enumerate(words[:-1]):
        nxt = words[i + 1]
        gap = raw[m.end():nxt.start()]
        if not gap.strip() and m.group(1).lower() == nxt.group(1).lower() and \
                m.group(2) in b"bB" and nxt.group(2) in b"bB" and m.group(3).endswith(b"="):
            tags.append("adjacent B-encoded words in one charset, an earlier one ending in '=' padding")
            break
    if re.search(rb"[\x80-\xff]", raw):
        try:
            raw.decode("utf-8")
            tags.append("raw UTF-8 bytes in header (RFC 6532)")
        except UnicodeDecodeError:
            tags.append("raw 8-bit (non-UTF-8) bytes in header")
            if pv and "\ufffd" in pv:
                tags.append("python substitutes U+FFFD for undecodable bytes")
            if lv is not None:
                tags.append(guess_8bit(raw, lv, msg, data))
    for m in words:
        cs = m.group(1)
        name = cs.decode("ascii", "replace")
        if not _codec(cs):
            tags.append(f"unknown charset {name!r} in encoded-word")
            continue
        b = _ew_bytes(m.group(2), m.group(3))
        if b is None:
            tags.append("encoded-word payload does not decode (bad base64/Q)")
            continue
        try:
            b.decode(_codec(cs))
        except UnicodeDecodeError:
            tags.append("encoded-word bytes invalid in their charset")
            if m.group(2) in (b"q", b"Q") and b"_" in m.group(3):
                tags.append(f"'_' in a Q-encoded {name} word means a space (RFC 2047 4.2) and splits a "
                            "multibyte character; the two sides substitute differently ('?' vs U+FFFD)")
    for m in words:
        before = raw[m.start() - 1:m.start()] if m.start() else b""
        after = raw[m.end():m.end() + 1]
        if (before and not before.isspace() and before not in b"(\"" and not raw[:m.start()].endswith(b"?=")) or \
                (after and not after.isspace() and after not in b")\"" and not raw[m.end():].startswith(b"=?")):
            tags.append("RFC 2047 encoded-word adjacent to text without space")
            break
    if b"=?" in raw and not words:
        tags.append("malformed encoded-word (=? without a complete =?charset?enc?text?=)")
    if re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", raw):
        tags.append("control characters in header")
    if lv and pv and pv.startswith(lv) and len(pv) > len(lv):
        tags.append("lapis text is a truncated prefix of python's")
    elif lv and pv and lv.startswith(pv) and len(lv) > len(pv):
        tags.append("python text is a truncated prefix of lapis's")
    tags += [f"python defect {d}" for d in defects]
    return _dedup(tags) or ["unclassified"]


def _first_mailbox(raw):
    """Raw text of the first mailbox: split at the first comma outside quotes/angles/comments."""
    depth, quote, out = 0, False, bytearray()
    for c in raw:
        ch = bytes([c])
        if ch == b'"' and depth == 0:
            quote = not quote
        elif not quote and ch in b"(<":
            depth += 1
        elif not quote and ch in b")>" and depth:
            depth -= 1
        elif ch == b"," and not quote and depth == 0:
            break
        out += ch
    return bytes(out)


def classify_from(raw, lv, pv, msg, defects, lapis_defects):
    """Tags describing a From disagreement; the first one is the main cause."""
    if raw is None:
        return ["no raw From header found"]
    tags = []
    first = _first_mailbox(raw)
    if re.search(rb"[\x80-\xff]", first):
        try:
            raw.decode("utf-8")
            tags.append("raw UTF-8 bytes in address (RFC 6532)")
        except UnicodeDecodeError:
            tags.append("raw 8-bit (non-UTF-8) bytes in address")
            if lv and "\ufffd" in lv:
                tags.append("lapis shows each undecodable byte as U+FFFD, python keeps the bytes")
    if re.search(rb"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=@", first) or re.search(rb"<[^>]*=\?[^>]*\?=[^>]*>", first):
        tags.append("RFC 2047 encoded-word inside the addr-spec")
    if re.search(rb"<\s*>", first):
        tags.append("null address <>")
    unquoted = re.sub(rb'"[^"]*"', b"", first)
    m = re.search(rb"<([^>]*)>", unquoted)
    spec = m.group(1) if m else re.sub(rb"\([^)]*\)", b"", unquoted)
    if spec.count(b"@") > 1:
        tags.append("more than one '@' in the address")
    elif b"@" not in spec and not re.search(rb"<\s*>", first):
        tags.append("address without a domain")
    if re.search(rb"^[^\"<]*:[^;]*;", raw):
        tags.append("group syntax")
    if first != raw:
        tags.append("several mailboxes in From")
    if pv == "<>" and not re.search(rb"<\s*>", first):
        tags.append("python returned the placeholder '<>' (it found no usable address)")
    elif pv == "<>":
        tags.append("python's addr_spec renders the null address as '<>'")
    if lv is None and pv is not None:
        tags.append("lapis found no mailbox" + (" (defect unparseable-from)" if "unparseable-from" in lapis_defects else ""))
    if pv is None and lv is not None:
        tags.append("python found no mailbox")
    if "malformed-from-address" in lapis_defects and lv is not None:
        tags.append("lapis kept the address as written (defect malformed-from-address)")
    if "invalid-address-list" in lapis_defects:
        tags.append("lapis defect invalid-address-list")
    tags += [f"python defect {d}" for d in defects]
    return _dedup(tags) or ["unclassified"]


_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"


def classify_date(raw, lv, pv, defects, lapis_defects):
    tags = []
    if raw is None:
        return ["no raw Date header found"]
    s = raw.decode("ascii", "replace")
    two_digit = False
    ym = re.search(r"(?i)\b\d{1,2}\s+(?:%s)[a-z]*\.?\s+(\d+)\b" % _MONTHS, s)
    if ym:
        y = ym.group(1)
        if len(y) == 3 or (len(y) == 4 and y.startswith("0")):
            tags.append(f"year written as {y!r} (year-1900; RFC 5322 s4.3 adds 1900 to 3-digit years)")
        elif len(y) <= 2:
            two_digit = True
    # C asctime()/ctime() layout: "Sat Sep 21 08:18:08 2002" (the year follows the time).
    asctime = re.match(r"(?i)\s*(?:[a-z]{3},?\s+)?(?:%s)[a-z]*\s+\d{1,2}\s+\d{1,2}:\d\d(?::\d\d)?"
                       r"(?:\s+[A-Za-z]{1,5}|\s+[+-]\d{4})?\s+\d{4}\s*$" % _MONTHS, s)
    if asctime:
        tags.append("asctime layout (Www Mmm dd hh:mm:ss yyyy; not RFC 5322)")
    elif re.search(r"\d:\d\d(?::\d\d)?\s+\d{4,5}\b", s) and not re.search(r"[+-]\d{4}\b", s):
        tags.append("numeric time zone without + or - sign")
    if re.search(r"(?i)\d\s*[AP]\.?M\.?\b", s):
        tags.append("12-hour clock with AM/PM (not RFC 5322)")
    if re.match(r"\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}", s):
        tags.append("non-RFC 5322 layout (YYYY/MM/DD ...)")
    zm = re.search(r"\d:\d\d(?::\d\d)?\s+(?:[AaPp]\.?[Mm]\.?\s+)?(?![AaPp]\.?[Mm]\b)([A-Za-z]{1,5})\b", s)
    if zm and zm.group(1).upper() not in ("UT", "GMT", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "Z"):
        tags.append(f"alphabetic zone {zm.group(1)!r} not defined by RFC 5322")
    if not re.search(r"\d:\d\d", s):
        tags.append("no time of day")
    if two_digit:
        tags.append("two-digit year")
    if isinstance(lv, int) and isinstance(pv, int):
        diff = lv - pv
        if diff % 900 == 0 and abs(diff) <= 48 * 3600:
            tags.append(f"same minutes and seconds, lapis - python = {diff / 3600:+g} h "
                        "(the zone or the hour read differently)")
    if isinstance(pv, int) and pv < calendar.timegm((1900, 1, 1, 0, 0, 0)):
        tags.append(f"python date is in year {fmt_epoch(pv)[:4]}")
    if lv is None and pv is not None:
        tags.append("lapis could not parse the date" + (" (defect unparseable-date)" if "unparseable-date" in lapis_defects else ""))
    if pv is None and lv is not None:
        tags.append("python rejected the date" + (" (InvalidDateDefect)" if "InvalidDateDefect" in defects else ""))
    if lv is not None:
        tags.append("lapis defect malformed-date" if "malformed-date" in lapis_defects
                    else "lapis recorded no date defect")
    tags += [f"python defect {d}" for d in defects if d != "InvalidDateDefect"]
    return _dedup(tags) or ["unclassified"]


def _dedup(tags):
    seen, out = set(), []
    for t in tags:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


# ---------------------------------------------------------------------------
# Output helpers


def esc(s):
    """Text with undecodable bytes and control characters shown as \\xNN.

    Python keeps raw 8-bit header bytes as lone surrogates (U+DC80..U+DCFF);
    they are printed as the byte they stand for."""
    if isinstance(s, bytes):
        s = s.decode("utf-8", "surrogateescape")
    out = []
    for c in s:
        o = ord(c)
        if 0xDC80 <= o <= 0xDCFF:
            out.append(f"\\x{o - 0xDC00:02x}")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        else:
            out.append(c)
    return "".join(out)


def show(v):
    """Printable form of a compared value."""
    if v is None:
        return "(none)"
    if isinstance(v, int):
        return f"{v} ({fmt_epoch(v)})"
    if isinstance(v, tuple):
        return " ".join(str(x) for x in v)
    return '"' + esc(v) + '"'


def fmt_epoch(t):
    try:
        d = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=t)
    except OverflowError:
        return "?"
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}Z"


def jsonable(v):
    if isinstance(v, (bytes, str)):
        return esc(v)
    if isinstance(v, tuple):
        return list(v)
    return v


# ---------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lapis", required=True, metavar="BINARY", help="path of the lapis executable")
    ap.add_argument("--min-agreement", type=float, default=0.99,
                    help="fail (exit 1) when a field's agreement ratio is below this (default 0.99)")
    ap.add_argument("--report", metavar="FILE", default="-",
                    help="where to write the disagreements (default: stdout)")
    ap.add_argument("--format", choices=("text", "jsonl"), default="text",
                    help="report format: grouped text (default) or one JSON object per disagreement")
    ap.add_argument("--jobs", type=int, default=2, help="lapis worker threads (default 2)")
    ap.add_argument("--data-dir", default=default_data_dir(),
                    help="LAPIS_DATA_DIR for lapis (default: $LAPIS_DATA_DIR, else the repository's .data)")
    ap.add_argument("--unwrap", action="store_true",
                    help="run lapis with its default unwrapping of forwarded/ARF messages and compare the "
                         "wrapper's outer_subject/outer_from/outer_date for those (default: --no-unwrap)")
    ap.add_argument("--python-obs-year", action="store_true",
                    help="apply RFC 5322 4.3 to Python's dates too: a year below 1000 (e.g. '0102', written by "
                         "software that printed year-1900) counts as year+1900; Python takes it literally")
    ap.add_argument("corpus", metavar="CORPUS_DIR")
    args = ap.parse_args(argv)
    global OBS_YEAR
    OBS_YEAR = args.python_obs_year

    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8", errors="backslashreplace")
    if not os.path.isdir(args.corpus):
        ap.error(f"{args.corpus}: not a directory")
    corpus = os.path.abspath(args.corpus)

    files = []
    for d, dirs, names in os.walk(corpus):
        dirs.sort()
        files += [os.path.join(d, n) for n in sorted(names) if n.endswith(".txt")]
    if not files:
        ap.error(f"{args.corpus}: no .txt files")

    records, lapis_err, rc = run_lapis(args.lapis, corpus, args.jobs, args.data_dir, args.unwrap)
    if rc not in (0, 1):
        sys.stderr.write(lapis_err)
        print(f"email_diff: lapis exited with status {rc}", file=sys.stderr)
        return 2

    policy = email.policy.default
    agree = collections.Counter()
    compared = collections.Counter()
    disagreements = []   # dicts
    py_errors = []       # dicts
    notes = []
    seen = set()

    for path in files:
        rel = os.path.relpath(path, corpus)
        real = os.path.realpath(path)
        seen.add(real)
        with open(path, "rb") as fh:
            data = fh.read()
        body = strip_envelope(data)
        recs = records.get(real, [])
        if len(recs) > 1:
            notes.append(f"{rel}: lapis produced {len(recs)} records; the first is compared")
            recs = sorted(recs, key=lambda r: (r["index"] is None, r["index"] or 0))
        rec = recs[0] if recs else None
        try:
            msg = BytesParser(policy=policy).parsebytes(body)
        except Exception as e:  # noqa: BLE001
            for f in FIELDS:
                py_errors.append({"file": rel, "field": f, "error": f"{type(e).__name__}: {e}",
                                  "lapis": None if rec is None else rec[f]})
            continue
        for f in FIELDS:
            try:
                pv = PY_GETTERS[f](msg)
            except Exception as e:  # noqa: BLE001
                py_errors.append({"file": rel, "field": f, "error": f"{type(e).__name__}: {e}",
                                  "lapis": None if rec is None else rec[f]})
                continue
            compared[f] += 1
            if rec is None:
                if pv is None:  # nothing on either side
                    agree[f] += 1
                    continue
                disagreements.append({"file": rel, "field": f, "lapis": None, "python": pv, "raw": None,
                                      "cause": "lapis produced no record for this file", "details": []})
                continue
            if f == "subject":
                lv = norm_text(rec["subject"])
                same = lv == pv
            elif f == "from":
                lv = rec["from"] or None
                same = norm_addr(lv) == norm_addr(pv)
            else:
                lv = lapis_epoch(rec["date"])
                same = lv == pv
            if same:
                agree[f] += 1
                continue
            raw = raw_header(msg, f)
            defects = py_defects(msg, f)
            if f == "subject":
                cause = classify_subject(raw, lv, pv, msg, data, defects)
            elif f == "from":
                cause = classify_from(raw, lv, pv, msg, defects, rec["defects"])
            else:
                cause = classify_date(raw, lv, pv, defects, rec["defects"])
            if rec["wrapper"] and args.unwrap:
                cause.append("lapis value is the wrapper's outer_" + f)
            disagreements.append({"file": rel, "field": f, "lapis": lv, "python": pv, "raw": raw,
                                  "cause": cause[0], "details": cause[1:]})

    extra = [p for p in records if p not in seen and p.endswith(".txt")]
    for p in extra:
        notes.append(f"{p}: lapis record without a matching .txt file")

    # ---- summary to stdout
    failed = False
    total = len(files)
    lines = [f"email_diff: {total} messages in {corpus}",
             f"lapis records: {sum(len(v) for v in records.values())} (exit status {rc})"]
    for f in FIELDS:
        n = compared[f]
        ratio = agree[f] / n if n else 1.0
        below = ratio < args.min_agreement
        failed |= below
        nerr = sum(1 for e in py_errors if e["field"] == f)
        lines.append(f"  {f:<8} {ratio:.4f}  agree {agree[f]}/{n}"
                     f"  disagree {n - agree[f]}  python-could-not-parse {nerr}"
                     + ("  BELOW --min-agreement" if below else ""))
    lines.append("result: " + ("FAIL" if failed else "PASS") + f" (min agreement {args.min_agreement})")
    print("\n".join(lines))
    if lapis_err.strip():
        print("lapis stderr:\n" + lapis_err.rstrip(), file=sys.stderr)

    # ---- report
    out = sys.stdout if args.report == "-" else open(args.report, "w", encoding="utf-8")
    try:
        if args.format == "jsonl":
            for d in disagreements:
                out.write(json.dumps({"kind": "disagreement", "file": d["file"], "field": d["field"],
                                      "lapis": jsonable(d["lapis"]), "python": jsonable(d["python"]),
                                      "raw": jsonable(d["raw"]), "cause": d["cause"],
                                      "details": d["details"]},
                                     ensure_ascii=False) + "\n")
            for e in py_errors:
                out.write(json.dumps({"kind": "python-could-not-parse", "file": e["file"], "field": e["field"],
                                      "lapis": jsonable(e["lapis"]), "error": e["error"]},
                                     ensure_ascii=False) + "\n")
            for n in notes:
                out.write(json.dumps({"kind": "note", "text": n}, ensure_ascii=False) + "\n")
        else:
            if args.report == "-":
                out.write("\n")
            else:
                out.write("\n".join(lines) + "\n\n")
            out.write(f"== {len(disagreements)} disagreements\n")
            by_cause = collections.defaultdict(list)
            for d in disagreements:
                by_cause[(d["field"], d["cause"])].append(d)
            for (field, cause), items in sorted(by_cause.items(), key=lambda kv: (FIELDS.index(kv[0][0]), -len(kv[1]), kv[0][1])):
                out.write(f"\n-- {field}: {cause}  [{len(items)}]\n")
                for d in sorted(items, key=lambda x: x["file"]):
                    out.write(f"{d['file']}  {d['field']}\n")
                    out.write(f"    lapis:  {show(d['lapis'])}\n")
                    out.write(f"    python: {show(d['python'])}\n")
                    if d["details"]:
                        out.write("    why:    " + "; ".join(d["details"]) + "\n")
                    if d["raw"] is not None:
                        r = d["raw"] if len(d["raw"]) <= 300 else d["raw"][:300] + b"..."
                        out.write(f"    raw:    {show(r)}\n")
            out.write(f"\n== {len(py_errors)} python could not parse (not counted against lapis)\n")
            for e in py_errors:
                out.write(f"{e['file']}  {e['field']}\n    error:  {e['error']}\n    lapis:  {show(e['lapis'])}\n")
            if notes:
                out.write("\n== notes\n" + "".join(n + "\n" for n in notes))
    finally:
        if out is not sys.stdout:
            out.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
