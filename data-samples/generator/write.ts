// Streaming CSV output: UTF-8, comma, LF, RFC 4180 quoting, buffered synchronous writes.

import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type ExtractSink, type TableName, TABLE_NAMES, tableColumns } from './extract.js';

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(v: string): string {
  return NEEDS_QUOTES.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
}

/** A CSV file written in ~256 KB chunks (no per-row string growth, no per-row syscalls). */
export class CsvFile {
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;

  constructor(path: string, columns: string[]) {
    this.fd = openSync(path, 'w');
    this.line(columns);
  }

  line(values: string[]): void {
    let s = '';
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      s += (i === 0 ? '' : ',') + (NEEDS_QUOTES.test(v) ? csvField(v) : v);
    }
    s += '\n';
    this.parts.push(s);
    this.size += s.length;
    if (this.size > 262_144) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export const FILE_NAMES: Record<TableName, string> = {
  header: 'header.csv',
  episodes: 'episodes.csv',
  uasc: 'uasc.csv',
  oc2: 'oc2.csv',
  oc3: 'oc3.csv',
  missing: 'missing.csv',
  reviews: 'reviews.csv',
  attendance: 'attendance.csv',
  pep: 'pep.csv',
  care_leavers: 'care_leavers.csv',
};

/** Opens every table's file in `dir`; the returned sink routes rows to them. */
export function openExtractFiles(dir: string, derived: boolean): ExtractSink & { close(): void } {
  mkdirSync(dir, { recursive: true });
  const cols = tableColumns(derived);
  const files = new Map<TableName, CsvFile>();
  for (const t of TABLE_NAMES) files.set(t, new CsvFile(join(dir, FILE_NAMES[t]), cols[t]));
  return {
    row(t, v) {
      files.get(t)!.line(v);
    },
    close() {
      for (const f of files.values()) f.close();
    },
  };
}

export interface Manifest {
  la: string;
  asAt: string;
  generator: Record<string, unknown>;
}

export function writeManifest(dir: string, manifest: Manifest): void {
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}
