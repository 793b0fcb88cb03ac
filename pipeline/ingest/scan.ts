/**
 * Byte-level reading of one extract file, streamed (files can be hundreds of MB):
 * encoding checks (UTF-16, NUL bytes, invalid UTF-8 with the line of the first bad byte),
 * RFC 4180 record structure (field counts, quotes) with exact physical line numbers, and
 * the map from the reader's row index to physical line. Row values never come to JS: DuckDB
 * reads the file itself; this pass only tells where each row it will read starts.
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';

const CHUNK = 1 << 20;
export const MAX_STRUCTURE_PROBLEMS = 1000;

export interface StructureProblem {
  line: number;
  kind: 'field-count' | 'after-quote' | 'unterminated-quote';
  fields?: number;
  lines?: number; // unterminated quote: physical lines swallowed
}

export interface EncodingProblem {
  kind: 'utf16' | 'nul' | 'invalid-utf8' | 'excel';
  line: number | null;
  byte?: number;
}

export interface HeaderInfo {
  /** Column names as written (BOM removed, not trimmed). */
  fields: string[];
  /** The first line was empty. */
  emptyFirstLine: boolean;
  bom: boolean;
  encoding: EncodingProblem | null;
}

/** Where the first record of b ends: its first line break outside quotes, or a NUL byte (-1: neither). */
function firstRecordEnd(b: Buffer): number {
  let inQ = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0) return i;
    if (c === 0x22) inQ = !inQ;
    else if (!inQ && (c === 0x0a || c === 0x0d)) return i;
  }
  return -1;
}

const HEADER_PROBE = 8 * 1024;
const HEADER_MAX = 256 * 1024;

/**
 * Read the header row from the first bytes of a file: 8 KB, or 256 KB when the first 8 KB hold
 * no line break (a batch recognises every file of every extract: at national size, reading
 * 256 KB of each of ~1,000 files took half a second).
 */
export async function readHeader(path: string): Promise<HeaderInfo> {
  const fh = await open(path, 'r');
  try {
    const readStart = async (n: number) => {
      const buf = Buffer.allocUnsafe(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    };
    let b = await readStart(HEADER_PROBE);
    // where the header record ends (a BOM's bytes are neither quotes, line breaks nor NUL)
    let e = firstRecordEnd(b);
    if (e < 0 && b.length === HEADER_PROBE) {
      b = await readStart(HEADER_MAX);
      e = firstRecordEnd(b);
    }
    const info: HeaderInfo = { fields: [], emptyFirstLine: false, bom: false, encoding: null };
    if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) {
      info.encoding = { kind: 'utf16', line: null };
      return info;
    }
    if ((b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) || (b[0] === 0xd0 && b[1] === 0xcf && b[2] === 0x11 && b[3] === 0xe0)) {
      info.encoding = { kind: 'excel', line: null };
      return info;
    }
    let start = 0;
    if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
      info.bom = true;
      start = 3;
    }
    // The header record: up to the first line break outside quotes.
    if (e >= 0 && b[e] === 0) {
      info.encoding = { kind: 'nul', line: 1 };
      return info;
    }
    const end = e < 0 ? b.length : e;
    const text = b.subarray(start, end).toString('utf8');
    if (text.length === 0) {
      info.emptyFirstLine = true;
      return info;
    }
    info.fields = parseCsvRecord(text);
    return info;
  } finally {
    await fh.close();
  }
}

/** Split one CSV record (no line breaks outside quotes) into fields, RFC 4180. */
export function parseCsvRecord(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) break;
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      while (i < text.length && text[i] !== ',') field += text[i++];
    } else {
      const j = text.indexOf(',', i);
      field = j < 0 ? text.slice(i) : text.slice(i, j);
      i = j < 0 ? text.length : j;
    }
    out.push(field);
    if (i >= text.length) break;
    i++; // the comma
    if (i >= text.length) {
      out.push('');
      break;
    }
  }
  return out;
}

export interface ScanResult {
  bytes: number;
  sha256: string;
  encoding: EncodingProblem | null;
  structure: StructureProblem[];
  structureTotal: number;
  /** Rows DuckDB will read (records after the header with the right number of fields). */
  goodRows: number;
  /** Line map: from row index starts[i] on, line = row index + 2 + deltas[i]. */
  starts: number[];
  deltas: number[];
  /** The file needs a cleaned copy for the reader (bad records, mixed or CR-only line ends). */
  needsRewrite: boolean;
  /** Physical lines in the file. */
  lines: number;
  /** Field counts of some lines were left to the reader (scanFile's fieldsToReader). */
  fieldsUnchecked: boolean;
}

// byte classes
const K_PLAIN = 0, K_COMMA = 1, K_QUOTE = 2, K_LF = 3, K_CR = 4, K_NUL = 5;
const CLASS = new Uint8Array(256);
CLASS[0x2c] = K_COMMA;
CLASS[0x22] = K_QUOTE;
CLASS[0x0a] = K_LF;
CLASS[0x0d] = K_CR;
CLASS[0x00] = K_NUL;

// parser states
const S_FIELD_START = 0, S_UNQUOTED = 1, S_QUOTED = 2, S_QUOTE_IN_QUOTED = 3, S_AFTER_CR = 4;

/** Offset of the first invalid UTF-8 sequence in b (b is known to be invalid). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n = 0;
    if (c < 0x80) { i++; continue; }
    else if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) n = 2;
    else if (c >= 0xf0 && c <= 0xf4) n = 3;
    else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
    }
    const c1 = b[i + 1]!;
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return i;
    i += n + 1;
  }
  return b.length;
}

/** Length of the trailing incomplete UTF-8 sequence of b (0 to 3 bytes). */
function incompleteTail(b: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const c = b[b.length - back]!;
    if ((c & 0xc0) === 0x80) continue; // continuation byte
    if (c < 0x80) return 0;
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/**
 * Scan a whole file. `columns` is the number of header fields. When `rewriteTo` is given,
 * write a cleaned copy there: header and good records only, each ended by LF.
 */
export async function scanFile(
  path: string,
  columns: number,
  opts: {
    rewriteTo?: FileHandle;
    /** tests: the byte loop only */
    noFastPath?: boolean;
    /**
     * Leave field counts of unquoted lines to the CSV reader (strict mode rejects a wrong count):
     * such lines are taken as good rows, and `fieldsUnchecked` is set. When the reader then finds
     * fewer rows or rejects one, scan again without this option for the exact problems.
     */
    fieldsToReader?: boolean;
  } = {},
): Promise<ScanResult> {
  const fh = await open(path, 'r');
  const hash = opts.rewriteTo ? null : createHash('sha256');
  const res: ScanResult = {
    bytes: 0, sha256: '', encoding: null, structure: [], structureTotal: 0, goodRows: 0, starts: [], deltas: [], needsRewrite: false, lines: 0, fieldsUnchecked: false,
  };
  const out = opts.rewriteTo;
  let outBuf = Buffer.alloc(out ? CHUNK * 2 : 0);
  let outLen = 0;
  let recOutStart = 0;
  const flushOut = async (keepFrom: number) => {
    // write outBuf[0, keepFrom) and move the rest to the front
    if (!out || keepFrom === 0) return;
    await out.write(outBuf, 0, keepFrom);
    outBuf.copy(outBuf, 0, keepFrom, outLen);
    outLen -= keepFrom;
    recOutStart -= keepFrom;
  };
  const push = (c: number) => {
    if (outLen >= outBuf.length) {
      const nb = Buffer.alloc(outBuf.length * 2);
      outBuf.copy(nb, 0, 0, outLen);
      outBuf = nb;
    }
    outBuf[outLen++] = c;
  };

  let line = 1; // physical line at the current byte
  let state = S_FIELD_START;
  let fields = 1;
  let fieldsUnknown = false; // fieldsToReader: this record's field count was not counted
  let sampledBad = false; // fieldsToReader: a sampled line had the wrong field count
  let recStartLine = 1;
  let recEmpty = true;
  let recBad: StructureProblem['kind'] | null = null;
  let isHeader = true;
  let lf = 0, crlf = 0, cr = 0;
  let lastDelta = 0;
  let afterCrState = S_FIELD_START; // for CR inside quotes we stay quoted; outside it ends the record
  let first = true;
  let carry: Buffer | null = null;
  let position = 0;

  const endRecord = () => {
    if (isHeader) {
      isHeader = false;
      if (out) {
        push(0x0a);
        recOutStart = outLen;
      }
    } else if (recEmpty) {
      // blank line: skipped by the reader too
      if (out) outLen = recOutStart;
    } else if (recBad === null && (fields === columns || fieldsUnknown)) {
      const k = res.goodRows++;
      const delta = recStartLine - 2 - k;
      if (delta !== lastDelta) {
        res.starts.push(k);
        res.deltas.push(delta);
        lastDelta = delta;
      }
      if (out) {
        push(0x0a);
        recOutStart = outLen;
      }
    } else {
      res.needsRewrite = true;
      res.structureTotal++;
      if (res.structure.length < MAX_STRUCTURE_PROBLEMS) {
        res.structure.push(recBad === null ? { line: recStartLine, kind: 'field-count', fields } : { line: recStartLine, kind: recBad });
      }
      if (out) outLen = recOutStart;
    }
    fields = 1;
    fieldsUnknown = false;
    recEmpty = true;
    recBad = null;
    state = S_FIELD_START;
  };

  try {
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      res.bytes += bytesRead;
      let chunk: Buffer = buf.subarray(0, bytesRead);
      hash?.update(chunk);
      if (carry) {
        chunk = Buffer.concat([carry, chunk]);
        carry = null;
      }
      let startAt = 0;
      if (first) {
        first = false;
        if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) startAt = 3;
      }
      // UTF-8 check of the complete part of the chunk; the incomplete tail goes to the next one
      const tail = incompleteTail(chunk);
      const body = tail ? chunk.subarray(0, chunk.length - tail) : chunk;
      if (tail) carry = Buffer.from(chunk.subarray(chunk.length - tail));
      let limit = body.length;
      let invalid: EncodingProblem | null = null;
      if (!isUtf8(body)) {
        limit = firstInvalidUtf8(body);
        invalid = { kind: 'invalid-utf8', line: 0, byte: body[limit] };
      }
      // Fast path (the usual chunk): no quote, CR or NUL byte and not inside a quoted value, so
      // a record is a line and only commas and LFs matter. Same result as the loop below.
      if (!out && !opts.noFastPath && (state === S_FIELD_START || state === S_UNQUOTED)) {
        const part = body.subarray(startAt, limit);
        if (part.indexOf(0x22) < 0 && part.indexOf(0x0d) < 0 && part.indexOf(0x00) < 0) {
          if (opts.fieldsToReader) {
            // line by line (memchr): every non-blank line is a record with the header's field count
            res.fieldsUnchecked = true;
            let p = 0;
            for (;;) {
              const nl = part.indexOf(0x0a, p);
              if (nl < 0) {
                if (p < part.length) {
                  recEmpty = false;
                  fieldsUnknown = true;
                }
                break;
              }
              if (nl > p) recEmpty = false;
              if ((line & 63) === 0 && recEmpty === false && !sampleCommas(part, p, nl, columns)) {
                // a sampled line has the wrong field count: the file is not clean, scan it exactly
                sampledBad = true;
                break;
              }
              fieldsUnknown = true;
              lf++;
              endRecord();
              line++;
              recStartLine = line;
              p = nl + 1;
            }
          } else for (let i = 0; i < part.length; i++) {
            const c = part[i]!;
            if (c === 0x2c) {
              fields++;
              recEmpty = false;
            } else if (c === 0x0a) {
              lf++;
              endRecord();
              line++;
              recStartLine = line;
            } else recEmpty = false;
          }
          if (sampledBad) break;
          if (!recEmpty) state = S_UNQUOTED;
          if (invalid) {
            invalid.line = line;
            res.encoding = invalid;
            break;
          }
          continue;
        }
      }
      for (let i = startAt; i < limit; i++) {
        const c = body[i]!;
        const k = CLASS[c]!;
        if (state === S_AFTER_CR) {
          // a CR ended the previous line; LF after it belongs to the same line break
          state = afterCrState;
          if (k === K_LF) {
            if (state !== S_QUOTED) crlf++;
            else if (out) push(c);
            continue;
          }
          if (state !== S_QUOTED) cr++;
        }
        if (state === S_QUOTED) {
          if (k === K_QUOTE) state = S_QUOTE_IN_QUOTED;
          else if (k === K_LF) line++;
          else if (k === K_CR) {
            line++;
            afterCrState = S_QUOTED;
            state = S_AFTER_CR;
          } else if (k === K_NUL) {
            res.encoding = { kind: 'nul', line };
            break;
          }
          if (out) push(c);
          continue;
        }
        if (state === S_QUOTE_IN_QUOTED) {
          if (k === K_QUOTE) {
            state = S_QUOTED;
            if (out) push(c);
            continue;
          }
          state = S_UNQUOTED;
          if (k === K_PLAIN) {
            recBad ??= 'after-quote';
          }
          // fall through to handle the comma / line break / other byte as unquoted
        }
        switch (k) {
          case K_PLAIN:
            recEmpty = false;
            if (state === S_FIELD_START) state = S_UNQUOTED;
            if (out) push(c);
            break;
          case K_COMMA:
            recEmpty = false;
            fields++;
            state = S_FIELD_START;
            if (out) push(c);
            break;
          case K_QUOTE:
            recEmpty = false;
            if (state === S_FIELD_START) state = S_QUOTED;
            // a quote inside an unquoted value is kept as text (as the reader does)
            if (out) push(c);
            break;
          case K_LF:
            lf++;
            endRecord();
            line++;
            recStartLine = line;
            break;
          case K_CR:
            endRecord();
            line++;
            recStartLine = line;
            afterCrState = S_FIELD_START;
            state = S_AFTER_CR;
            break;
          case K_NUL:
            res.encoding = { kind: 'nul', line };
            break;
        }
        if (res.encoding) break;
        if (out && outLen > CHUNK) await flushOut(recOutStart);
      }
      if (!res.encoding && invalid) {
        invalid.line = line;
        res.encoding = invalid;
      }
      if (res.encoding) break;
      if (out && outLen > CHUNK) await flushOut(recOutStart);
    }
    if (!res.encoding && carry) {
      // the file ends inside a multi-byte character
      res.encoding = { kind: 'invalid-utf8', line, byte: carry[0] };
    }
    if (!res.encoding) {
      if (state === S_AFTER_CR) state = afterCrState === S_QUOTED ? S_QUOTED : S_FIELD_START;
      if (state === S_QUOTED) {
        // unterminated quote: the record runs to the end of the file
        res.needsRewrite = true;
        res.structureTotal++;
        if (res.structure.length < MAX_STRUCTURE_PROBLEMS) res.structure.push({ line: recStartLine, kind: 'unterminated-quote', lines: line - recStartLine + 1 });
        if (out) outLen = recOutStart;
      } else if (!recEmpty || isHeader) {
        endRecord();
      }
      res.lines = line;
      // mixed or CR-only line ends: the reader needs one kind
      const kinds = (lf > 0 ? 1 : 0) + (crlf > 0 ? 1 : 0) + (cr > 0 ? 1 : 0);
      if (kinds > 1 || cr > 0) res.needsRewrite = true;
    }
    if (out) await flushOut(outLen);
  } finally {
    await fh.close();
  }
  if (sampledBad) return scanFile(path, columns, { ...opts, fieldsToReader: false });
  res.sha256 = hash ? hash.digest('hex') : '';
  return res;
}

/** Whether the line part[from, to) (no quotes) has `columns` fields. */
function sampleCommas(part: Uint8Array, from: number, to: number, columns: number): boolean {
  let fields = 1;
  for (let i = from; i < to; i++) if (part[i] === 0x2c) fields++;
  return fields === columns;
}
