import { Chalk } from 'chalk';
import { Command, CommanderError, Option } from 'commander';
import { ALL_RULES } from '../rules/index.js';
import path from 'node:path';
import { resolveRoot, runAudit, writeBaseline, type AuditOptions } from './commands/audit.js';
import { CONFIG_FILE_NAME, loadConfigFile, type ConfigFile } from './commands/config-file.js';
import { printConfig } from './commands/config.js';
import { UsageError } from './commands/errors.js';
import { explainRule, listRules } from './commands/rules.js';
import { TOOL_VERSION } from './commands/version.js';

export type { CliIO };
import type { SeverityOrOff } from './engine/finding.js';
import { colorLevel, defaultIO, emit, exitCodeFor, render, type CliIO, type FailOn, type Format } from './commands/output.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function parseKeyValues(items: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} expects KEY=VALUE, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function parseSeverities(items: string[] | undefined): Record<string, SeverityOrOff> {
  const out: Record<string, SeverityOrOff> = {};
  for (const [id, sev] of Object.entries(parseKeyValues(items, '--rule'))) {
    if (!ALL_RULES.some((r) => r.meta.id === id)) throw new UsageError(`Unknown rule "${id}" in --rule (see \`statelint rules\`)`);
    if (!['error', 'warning', 'info', 'off'].includes(sev)) throw new UsageError(`--rule ${id}= takes error, warning, info or off, got "${sev}"`);
    out[id] = sev as SeverityOrOff;
  }
  return out;
}

function parseSize(value: string): number {
  const m = /^(\d+)\s*(k|kb|kib|m|mb|mib)?$/i.exec(value.trim());
  if (!m) throw new UsageError(`--max-file-size takes a size like 2048k or 4m, got "${value}"`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 'k').toLowerCase();
  return unit.startsWith('m') ? n * 1024 * 1024 : n * 1024;
}




const formatOption = () => new Option('-f, --format <format>', 'report format').choices(['pretty', 'json', 'sarif']).default('pretty');
const failOnOption = () => new Option('--fail-on <level>', 'exit 1 when a finding is at or above this level').choices(['error', 'warning', 'info', 'never']).default('error');

interface AuditFlags {
  format: Format;
  output?: string;
  failOn: FailOn;
  dotenv?: string[];
  env?: string[];
  configDir?: string;
  includeTests?: boolean;
  maxFileSize?: string;
  ignore?: string[];
  rule?: string[];
  color?: boolean;
  showConfig?: boolean;
  ecosystem?: ('laravel' | 'node')[];
  config?: string;
  baseline?: string;
  writeBaseline?: string;
}

type ResolverFlags = { dotenv?: string[]; env?: string[]; configDir?: string };

/** The options that decide how config is resolved: a flag wins over the settings file; its paths are relative to the project. */
function resolverOptions(target: string, root: string, config: ConfigFile, flags: ResolverFlags): AuditOptions {
  return {
    path: target,
    envFiles: flags.dotenv ?? config.envFiles?.map((f) => path.resolve(root, f)),
    env: { ...config.env, ...parseKeyValues(flags.env, '--env') },
    configDir: flags.configDir ?? config.configDir,
  };
}

export function buildProgram(io: CliIO, setExit: (code: number) => void, extensions: ((program: Command) => void)[] = []): Command {
  const program = new Command();
  program
    .name('statelint')
    .description('Finds state that lives on one server before you scale out (sessions, uploads, logs, cache, cron, env()).')
    .version(TOOL_VERSION, '-v, --version')
    // Usage errors are one line on stderr, like every other exit-2 message: "statelint: <sentence> (see --help)".
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (str, write) => write(`statelint: ${str.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ').replace(/\.$/, '')} (see statelint --help)\n`),
    })
    .exitOverride();

  const audit = program
    .command('audit', { isDefault: true })
    .description('audit a project (default command)')
    .argument('[path]', 'project folder', '.')
    .addOption(formatOption())
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(failOnOption())
    .option('--dotenv <file>', 'env file to resolve config with (repeatable; later files win; default .env, else .env.example)', collect)
    .option('--env <KEY=VALUE>', 'set an env variable on top of the env files (repeatable)', collect)
    .option('--config-dir <dir>', 'the app\'s config directory when it is not detected')
    .option('--include-tests', 'also report env() and code findings under tests/')
    .option('--max-file-size <size>', 'skip source files larger than this (e.g. 2048k, 4m)', '2048k')
    .option('--ignore <pattern>', 'skip files matching this .gitignore-style pattern (repeatable)', collect)
    .option('--rule <id=severity>', 'override a rule\'s severity: error, warning, info or off (repeatable)', collect)
    .option('--show-config', 'print the resolved configuration instead of findings')
    .option('--config <file>', `settings file (default: ${CONFIG_FILE_NAME} in the project, if present)`)
    .option('--baseline <file>', 'suppress the findings recorded in this baseline; report only new ones')
    .option('--write-baseline <file>', 'record the current findings as the baseline and exit 0')
    .addOption(new Option('--ecosystem <name>', 'treat the folder as this ecosystem even if it is not detected (repeatable)').choices(['laravel', 'node']).argParser((v: string, prev: string[] = []) => [...prev, v]))
    .option('--color', 'force colours')
    .option('--no-color', 'disable colours');
  audit.action(async (target: string, flags: AuditFlags, command: Command) => {
    // statelint.config.json supplies defaults; a flag given on the command line always wins.
    const root = resolveRoot(target);
    const { config } = loadConfigFile(root, flags.config);
    const fromCli = (name: string) => command.getOptionValueSource(name) === 'cli';
    const inRoot = (p: string) => path.resolve(root, p);
    const failOn: FailOn = fromCli('failOn') ? flags.failOn : (config.failOn ?? flags.failOn);
    const options: AuditOptions = {
      ...resolverOptions(target, root, config, flags),
      includeTests: flags.includeTests ?? config.includeTests,
      maxFileBytes: parseSize(fromCli('maxFileSize') ? flags.maxFileSize! : (config.maxFileSize ?? flags.maxFileSize ?? '2048k')),
      ignore: [...(config.ignore ?? []), ...(flags.ignore ?? [])],
      severities: { ...config.rules, ...parseSeverities(flags.rule) },
      ecosystems: flags.ecosystem,
      baseline: flags.baseline ?? (config.baseline ? inRoot(config.baseline) : undefined),
    };
    const chalk = new Chalk({ level: flags.output ? 0 : colorLevel(flags.color, io.env, io.stdoutIsTTY) });
    if (flags.showConfig) {
      emit(await printConfig(options, flags.format, chalk), flags.output, io);
      setExit(0);
      return;
    }
    if (flags.writeBaseline) {
      const result = await runAudit({ ...options, baseline: undefined });
      writeBaseline(flags.writeBaseline, result.report.findings);
      io.stderr(`statelint: wrote ${result.report.findings.length} finding(s) to the baseline ${flags.writeBaseline}\n`);
      setExit(0);
      return;
    }
    const result = await runAudit(options);
    if (result.report.baseline?.unmatched) {
      io.stderr(`statelint: ${result.report.baseline.unmatched} baseline entr${result.report.baseline.unmatched === 1 ? 'y no longer matches' : 'ies no longer match'} a finding; refresh it with --write-baseline\n`);
    }
    if (!result.report.ecosystems.includes('laravel')) {
      io.stderr(`statelint: no Laravel app found in ${target} (no artisan file, no laravel/framework in composer.json); Laravel is the only ecosystem with rules so far. Use --ecosystem laravel to audit it anyway.\n`);
    }
    const text = render(flags.format, { report: result.report, rules: ALL_RULES.map((r) => r.meta), lineText: result.lineText, rootAbsolute: result.rootAbsolute }, chalk);
    emit(text, flags.output, io);
    if (flags.output) io.stderr(`statelint: report written to ${flags.output}\n`);
    setExit(exitCodeFor(result.report.findings.map((f) => f.severity), failOn));
  });

  program
    .command('config')
    .description('print the resolved configuration (session, cache, filesystem, logging, database, queue, scheduler, maintenance) with the line each value came from')
    .argument('[path]', 'project folder', '.')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .option('--dotenv <file>', 'env file (repeatable)', collect)
    .option('--env <KEY=VALUE>', 'env variable on top (repeatable)', collect)
    .option('--config-dir <dir>', 'config directory when it is not detected')
    .option('--color', 'force colours')
    .option('--no-color', 'disable colours')
    .option('--config <file>', `settings file (default: ${CONFIG_FILE_NAME} in the project, if present)`)
    .action(async (target: string, flags: { format: Format; dotenv?: string[]; env?: string[]; configDir?: string; color?: boolean; config?: string }) => {
      const chalk = new Chalk({ level: colorLevel(flags.color, io.env, io.stdoutIsTTY) });
      const root = resolveRoot(target);
      const { config } = loadConfigFile(root, flags.config);
      io.stdout(await printConfig(resolverOptions(target, root, config, flags), flags.format, chalk));
      setExit(0);
    });

  program
    .command('rules')
    .description('list every rule')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action((flags: { format: Format }) => {
      io.stdout(listRules(flags.format));
      setExit(0);
    });

  program
    .command('explain')
    .description('print a rule\'s documentation')
    .argument('<rule-id>', 'e.g. laravel/session-store-local')
    .action((id: string) => {
      io.stdout(explainRule(id));
      setExit(0);
    });

  for (const extend of extensions) extend(program);
  return program;
}

/**
 * Node 20 reads `--env-file FILE` from anywhere on its command line, also after the script name, and
 * so does the Node process that runs npx: a project env file named there is loaded into that process
 * (NODE_OPTIONS=--require ... in it runs project code). statelint's flag is therefore `--dotenv`;
 * the Node spelling is refused with the reason rather than treated as a typo.
 */
function rejectNodeOptionFlags(argv: string[]): void {
  const bad = argv.find((a) => /^--env-file(?:-if-exists)?(?:=|$)/.test(a));
  if (bad) throw new UsageError(`${bad.split('=')[0]} is Node's own flag and Node (or npx) may load that file into its own process; statelint takes --dotenv <file>`);
}

/** Parses argv, runs the command and returns the exit code (never calls process.exit). */
export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  let code = 0;
  const setExit = (c: number) => (code = c);
  // The live check pulls in Redis and HTTP clients; load it only when it can be needed, so a plain
  // audit starts fast (it runs in every pre-push hook).
  const extensions: ((program: Command) => void)[] = [];
  if (argv[0] === 'live' || argv[0] === 'help' || argv.some((a) => a === '--help' || a === '-h')) {
    const { registerLiveCommand } = await import('./commands/live.js');
    extensions.push((program) => registerLiveCommand(program, io, setExit));
  }
  const program = buildProgram(io, setExit, extensions);
  try {
    rejectNodeOptionFlags(argv);
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    if (e instanceof UsageError) {
      io.stderr(`statelint: ${e.message}\n`);
      return 2;
    }
    io.stderr(`statelint: internal error: ${(e as Error).message}\n${(e as Error).stack ?? ''}\n`);
    return 2;
  }
}
