// Splits a file into the messages it holds, as `lapis ingest` does (src/mail/sources.cc): an mbox
// (its first line is a "From " envelope line) is cut at each envelope line that follows a blank
// line and carries a time ("From sender Thu Aug 22 11:59:00 2002"); the envelope line is dropped,
// every other byte kept as it is, so each message has the id the command line would give it.
// Any other file is one message.

const NL = 10, CR = 13;

function isFromLine(b: Uint8Array, start: number, end: number): boolean {
  if (end - start < 6) return false;
  if (b[start] !== 70 || b[start + 1] !== 114 || b[start + 2] !== 111 || b[start + 3] !== 109 || b[start + 4] !== 32) return false;
  for (let i = start + 5; i < end; i++) {
    if (b[i] === 58) {  // ':'
      const before = b[i - 1], after = b[i + 1];
      return i > start + 5 && i + 1 < end && before >= 48 && before <= 57 && after >= 48 && after <= 57;
    }
  }
  return false;
}

function startsWithFrom(b: Uint8Array, start: number): boolean {
  return b.length - start > 5 && b[start] === 70 && b[start + 1] === 114 && b[start + 2] === 111 && b[start + 3] === 109 &&
    b[start + 4] === 32 && b[start + 5] !== 58;
}

export function splitMessages(bytes: Uint8Array): Uint8Array[] {
  let offset = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) offset = 3;
  if (!startsWithFrom(bytes, offset)) return bytes.length ? [bytes] : [];
  const out: Uint8Array[] = [];
  let msgStart = -1;
  let prevBlank = true;
  let pos = offset;
  while (pos < bytes.length) {
    const nl = bytes.indexOf(NL, pos);
    const complete = nl >= 0;
    const end = complete ? nl + 1 : bytes.length;
    const envelope = complete && ((isFromLine(bytes, pos, end) && (prevBlank || msgStart < 0)) ||
      (msgStart < 0 && startsWithFrom(bytes, pos)));
    if (envelope) {
      if (msgStart >= 0) out.push(bytes.subarray(msgStart, pos));
      msgStart = end;
      prevBlank = false;
    } else {
      if (msgStart < 0) msgStart = pos;
      let e = end;
      while (e > pos && (bytes[e - 1] === NL || bytes[e - 1] === CR)) e--;
      if (complete) prevBlank = e === pos;
    }
    pos = end;
  }
  if (msgStart >= 0) out.push(bytes.subarray(msgStart));
  return out.filter((m) => m.length > 0);
}
