#!/usr/bin/env node
/**
 * corporate-parenting: the quarterly Corporate Parenting Panel pipeline.
 * Every command returns one result (JSON in JSON mode, text on a terminal) and an exit code
 * (see pipeline/core/errors.ts and the README).
 */
import { Command, CommanderError, Option } from 'commander';
import { asCliError, CliError, ExitCode } from '../core/errors.js';
import { Output } from '../core/output.js';
import type { GlobalOpts } from './common.js';
import { tuneForShortRun } from './short-run.js';

export interface CommandResult {
  exitCode?: number;
  data: unknown;
  human?: () => string;
}

// Commander has checked the options each command declares; each handler types its own.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler<O> = (opts: O, out: Output) => Promise<CommandResult>;

/**
 * Command modules are imported when their command runs: a cold start of `load` does not
 * pay for the renderer (vega, Handlebars, Chromium), and a broken module is an internal
 * error (exit 3) of the commands that need it, not of every command.
 */
function wrap<O extends GlobalOpts & { la?: string; data?: string }>(loadHandler: () => Promise<Handler<O>>) {
  return async (opts: O) => {
    const out = new Output({ json: opts.json, quiet: opts.quiet });
    try {
      tuneForShortRun(opts);
      const handler = await loadHandler();
      const res = await handler(opts, out);
      out.result(res.data, res.human);
      process.exitCode = res.exitCode ?? ExitCode.OK;
    } catch (err) {
      const e = asCliError(err);
      out.error(e);
      process.exitCode = e.exitCode;
    }
  };
}

const common = (cmd: Command) =>
  cmd
    .option('--store <file>', 'the DuckDB store (default .store/corporate-parenting.duckdb, or $CP_STORE)')
    .option('--config <file>', 'the LA config (default config/<LA code>.yaml if present)')
    .option('--wait <seconds>', 'how long to wait for another run that holds the store', '30')
    .option('--json', 'one JSON document on stdout (the default when stdout is not a terminal)')
    .option('-q, --quiet', 'no progress or log lines on stderr');

const program = new Command()
  .name('corporate-parenting')
  .description('Quarterly Corporate Parenting Panel report from SSDA903 and local extracts.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

/** Which LA and which quarter: every command that reads or writes a quarter takes these. */
const quarterOptions = (cmd: Command, laHelp = 'LA: ONS code, DfE number or name') =>
  cmd
    .option('--as-at <date>', 'reference date: the quarter end (YYYY-MM-DD)')
    .option('--quarter <q>', 'reference date as a financial-year quarter, e.g. 2025-26-Q2')
    .option('--la <code>', laHelp);

/** validate and load: the same options, one changes the store and one does not. */
const extractCommand = (name: string, description: string) =>
  quarterOptions(common(program.command(name).description(description)))
    .option('--data <dir>', 'folder of the quarter’s CSV extracts')
    .option('--out <dir>', 'output root (validation report CSV under <out>/<LA>/<date>/; default: config `out`, else reports)')
    .option('--validation-report <file>', 'where to write the validation report CSV');

/** report and run: the rendering options. */
const renderOptions = (cmd: Command) =>
  cmd
    .option('--format <list>', 'html,pdf', 'html,pdf')
    .option('--out <dir>', 'output root; files go to <out>/<LA>/<date>/ (default: config `out`, else reports)')
    .addOption(new Option('--audience <a>', 'public (disclosure control, no child data) or internal (officers only)').choices(['public', 'internal']).default('public'))
    .option('--commentary <file>', 'the analyst’s Markdown commentary (one ## heading per KPI id)')
    .option('--history <n>', 'recompute this many earlier quarter ends from this extract where none is stored', '0');

extractCommand('validate', 'check an extract and list every problem; changes nothing')
  .action(wrap(async () => (await import('./cmd-load.js')).validateCommand));

extractCommand('load', 'validate an extract and store it as the snapshot for its LA and date (atomic)')
  .action(wrap(async () => (await import('./cmd-load.js')).loadCommand));

quarterOptions(common(program.command('kpis').description('compute every KPI for a stored snapshot (or load --data first)')))
  .option('--data <dir>', 'load this extract first')
  .addOption(new Option('--format <f>', 'output format').choices(['json', 'csv', 'table', 'arrow']))
  .option('--history <n>', 'recompute this many earlier quarter ends from this extract where none is stored', '0')
  .option('--out <dir>', 'output root for the validation report (default: config `out`, else reports)')
  .action(wrap(async () => (await import('./cmd-kpis.js')).kpisCommand));

renderOptions(quarterOptions(common(program.command('report').description('render the panel report (HTML and PDF) and its downloads'))))
  .action(wrap(async () => (await import('./cmd-report.js')).reportCommand));

renderOptions(quarterOptions(common(program.command('run').description('the quarter in one command: validate, load, compute, compare, render, write downloads')), 'LA code, or "all" for every LA sub-folder of --data'))
  .option('--data <dir>', 'folder of the extract (or of LA sub-folders with --la all)')
  .option('--fail-on-change', 'exit 4 when a KPI moved more than the threshold since the last run of this quarter')
  .option('--threshold <pp>', 'percentage points (or count) for --fail-on-change (default: config changeThreshold, 5)')
  .action(wrap(async () => (await import('./cmd-run.js')).runCommand));

common(program.command('init').description('write a starter config for an LA (targets, neighbours, paths)'))
  .requiredOption('--la <code>', 'LA: ONS code, DfE number or name')
  .option('--dir <dir>', 'where to write the config', 'config')
  .option('--force', 'overwrite an existing config')
  .action(wrap(async () => (await import('./cmd-init.js')).initCommand));

common(program.command('list').description('list the snapshots and runs in the store'))
  .option('--la <code>', 'only this LA')
  .action(wrap(async () => (await import('./cmd-store.js')).listCommand));

common(program.command('forget').description('delete a stored quarter (or every quarter of an LA) and purge it from the store file'))
  .requiredOption('--la <code>', 'LA: ONS code, DfE number or name')
  .option('--as-at <date>', 'the quarter to delete (YYYY-MM-DD)')
  .option('--quarter <q>', 'the quarter to delete, e.g. 2025-26-Q2')
  .option('--all-quarters', 'delete every quarter of this LA')
  .action(wrap(async () => (await import('./cmd-store.js')).forgetCommand));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') process.exitCode = 0;
    else process.exitCode = ExitCode.USAGE;
  } else {
    const e = err instanceof CliError ? err : asCliError(err);
    new Output({}).error(e);
    process.exitCode = e.exitCode;
  }
}
