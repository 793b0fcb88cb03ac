/**
 * The one output module. Human text with colour and progress on a terminal; with --json or
 * when stdout is not a TTY, exactly one JSON document on stdout and logs on stderr.
 * NO_COLOR is respected; nothing ever prompts.
 */
import type { CliError } from './errors.js';

export type Mode = 'human' | 'json';

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
  stdout?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
  stderr?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
}

const ANSI = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36' } as const;
type Style = keyof typeof ANSI;

export class Output {
  readonly mode: Mode;
  private readonly out: NonNullable<OutputOptions['stdout']>;
  private readonly err: NonNullable<OutputOptions['stderr']>;
  private readonly color: boolean;
  private readonly quiet: boolean;
  private readonly started = Date.now();
  private progressShown = false;

  constructor(opts: OutputOptions = {}) {
    this.out = opts.stdout ?? process.stdout;
    this.err = opts.stderr ?? process.stderr;
    this.mode = opts.json || !this.out.isTTY ? 'json' : 'human';
    this.quiet = Boolean(opts.quiet);
    const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
    this.color = !noColor && process.env.TERM !== 'dumb' && Boolean(this.mode === 'human' ? this.out.isTTY : this.err.isTTY);
  }

  style(s: string, ...styles: Style[]): string {
    if (!this.color || !styles.length) return s;
    return `\x1b[${styles.map((x) => ANSI[x]).join(';')}m${s}\x1b[0m`;
  }

  /** Progress of a long step: on a terminal a line that updates; otherwise a log line on stderr. */
  progress(message: string): void {
    if (this.quiet) return;
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    if (this.mode === 'human' && this.err.isTTY) {
      this.err.write(`\r\x1b[2K${this.style(`[${secs}s]`, 'dim')} ${message}`);
      this.progressShown = true;
    } else {
      this.err.write(`[${secs}s] ${message}\n`);
    }
  }

  private endProgress(): void {
    if (this.progressShown) {
      this.err.write('\r\x1b[2K');
      this.progressShown = false;
    }
  }

  /** A log line (stderr). */
  log(message: string): void {
    if (this.quiet) return;
    this.endProgress();
    this.err.write(`${message}\n`);
  }

  warn(message: string): void {
    this.endProgress();
    this.err.write(`${this.style('warning:', 'yellow', 'bold')} ${message}\n`);
  }

  /** Human text on stdout (ignored in JSON mode: the JSON document carries the data). */
  text(message: string): void {
    if (this.mode !== 'human') return;
    this.endProgress();
    this.out.write(`${message}\n`);
  }

  /** The command's result: JSON document in JSON mode, else the human rendering. */
  result(data: unknown, human?: () => string): void {
    this.endProgress();
    if (data === undefined) return; // the command wrote its own output (csv, arrow)
    if (this.mode === 'json') this.out.write(`${JSON.stringify(data, null, 2)}\n`);
    else if (human) this.out.write(`${human()}\n`);
  }

  /** Raw bytes to stdout (csv/arrow formats). */
  raw(data: string | Uint8Array): void {
    this.endProgress();
    this.out.write(data as string);
  }

  error(e: CliError): void {
    this.endProgress();
    if (this.mode === 'json') {
      this.out.write(`${JSON.stringify({ ok: false, exitCode: e.exitCode, error: e.message, hint: e.hint ?? null, details: e.details ?? null }, null, 2)}\n`);
    }
    this.err.write(`${this.style('error:', 'red', 'bold')} ${e.message}\n`);
    if (e.hint) this.err.write(`${this.style('what to do:', 'bold')} ${e.hint}\n`);
    if (process.env.DEBUG && e.cause instanceof Error && e.cause.stack) this.err.write(`${e.cause.stack}\n`);
  }

  /** A plain text table with aligned columns. */
  table(headers: string[], rows: (string | number | null)[][]): string {
    const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))));
    // columns are capped at 40 characters, except the last (the message), which is never cut
    const widths = headers.map((h, i) => Math.min(i === headers.length - 1 ? Infinity : 40, Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length))));
    const fmt = (r: string[]) => r.map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!))).join('  ').trimEnd();
    return [this.style(fmt(headers), 'bold'), fmt(widths.map((w, i) => '-'.repeat(Number.isFinite(w) ? w : headers[i]!.length))), ...cells.map(fmt)].join('\n');
  }
}
