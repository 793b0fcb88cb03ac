/**
 * The one error type of the product. Every failure that reaches the user carries an exit
 * code, a plain-English message and, where it helps, what to do next.
 *
 * Exit codes (documented in the README):
 *   0 done
 *   1 data problems found (nothing loaded, report not made)
 *   2 usage or configuration error
 *   3 internal error (a bug: please report it)
 *   4 done, but KPIs moved beyond the threshold since the last run (only with --fail-on-change)
 *   5 the store is busy (another run holds it) or cannot be opened
 */
export const ExitCode = {
  OK: 0,
  DATA: 1,
  USAGE: 2,
  INTERNAL: 3,
  KPI_MOVED: 4,
  STORE_BUSY: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly hint?: string;
  readonly details?: unknown;
  constructor(exitCode: ExitCode, message: string, opts: { hint?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.hint = opts.hint;
    this.details = opts.details;
  }
}

export const usageError = (message: string, hint?: string) => new CliError(ExitCode.USAGE, message, { hint });
export const dataError = (message: string, details?: unknown, hint?: string) =>
  new CliError(ExitCode.DATA, message, { details, hint });

/** Any thrown value as a CliError (unknown errors are internal errors). */
export function asCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  return new CliError(ExitCode.INTERNAL, `Internal error: ${e.message}`, {
    hint: 'This is a bug in corporate-parenting. Run again with DEBUG=1 for a stack trace and report it.',
    cause: e,
  });
}
