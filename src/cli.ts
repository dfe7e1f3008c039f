import { Command, CommanderError, Option } from 'commander';
import { knownRuleIds, resolveRoot, TOOL_VERSION } from './api/index.js';
import { describeConfig, resolverOptions, runAuditCommand, type AuditFlags } from './commands/audit.js';
import { registerHookCommand } from './commands/hook.js';
import { CONFIG_FILE_NAME, loadConfigFile } from './commands/config-file.js';
import { UsageError } from './commands/errors.js';
import { colorLevel, defaultIO, stdoutFailed, withSafeStderr, type CliIO, type Format } from './commands/output.js';
import { RuleFailure } from './engine/errors.js';
import { timing } from './engine/timing.js';
import { FORMAT_IDS } from './report/index.js';
import { ECOSYSTEMS } from './ecosystems/registry.js';

export type { CliIO };
/** For the process shell (bin/statelint.js): a CLI process compiles WebAssembly on the baseline tier only. */
export { preferBaselineWasm } from './lang/wasm-tier.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const formatOption = () => new Option('-f, --format <format>', 'report format').choices(FORMAT_IDS).default('pretty');
const failOnOption = () => new Option('--fail-on <level>', 'exit 1 when a finding is at or above this level').choices(['error', 'warning', 'warn', 'info', 'never']).default('error');

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
    .argument('[paths...]', 'project folder (default: the current one; found upward from a subfolder), or files and folders of one to report on')
    .addOption(formatOption())
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--staged', 'report on the files staged for commit, as the git index holds them (pre-commit hooks)')
    .option('--changed [rev]', 'report on the files changed since REV (default: the merge base with the default branch)')
    .option('-q, --quiet', 'report errors only')
    .option('--max-warnings <n>', 'exit 1 when there are more than N warnings')
    .option('--cache', 'keep each file\'s results between runs and audit only changed files again (never changes findings)')
    .option('--cache-location <path>', 'the cache file or folder (default: node_modules/.cache/statelint/ when the project has node_modules, else .statelintcache)')
    .option('--timing', 'print where the time went (module loading, config, reading, parsing, each rule) to stderr')
    .option('--report-unused-suppressions', 'report statelint-ignore comments that suppress nothing or name an unknown rule')
    .addOption(failOnOption())
    .option('--dotenv <file>', 'env file to resolve config with (repeatable; later files win; default .env, else .env.example)', collect)
    .option('--env <KEY=VALUE>', 'set an env variable on top of the env files (repeatable)', collect)
    .option('--assume <key=value>', 'state a config value the resolver cannot derive, e.g. session.driver=redis (repeatable; marked as assumed)', collect)
    .option('--target-env <name>', 'resolve for this environment: prefer .env.<name>, then .env.example (says which file it used)')
    .option('--config-dir <dir>', 'the app\'s config directory when it is not detected')
    .option('--workload <name>', 'judge the app with this deployment workload\'s environment (a Deployment, a Compose service, an EB environment) on top of the env files')
    .option('--include-tests', 'also report env() and code findings under tests/')
    .option('--max-file-size <size>', 'skip source files larger than this (e.g. 2048k, 4m)', '2048k')
    .option('--ignore <pattern>', 'skip files matching this .gitignore-style pattern (repeatable)', collect)
    .option('--rule <id=severity>', 'override a rule\'s severity: error, warning, info or off (repeatable)', collect)
    .option('--show-config', 'print the resolved configuration instead of findings')
    .option('--config <file>', `settings file (default: ${CONFIG_FILE_NAME} in the project, if present)`)
    .option('--baseline <file>', 'suppress the findings recorded in this baseline; report only new ones')
    .option('--write-baseline <file>', 'record the current findings as the baseline and exit 0')
    .option('--fix', 'apply safe fixes, then report what remains')
    .option('--unsafe-fixes', 'with --fix or --diff: also unsafe fixes (they need review)')
    .option('--diff', 'print the unified diff --fix would make and write nothing (exit 1 when it would change something)')
    .addOption(new Option('--ecosystem <name>', 'treat the folder as this ecosystem even if it is not detected (repeatable)').choices(ECOSYSTEMS.map((e) => e.id)).argParser((v: string, prev: string[] = []) => [...prev, v]))
    .option('--no-progress', 'no progress line on stderr (shown only in a terminal, for runs longer than a second)')
    .option('--color', 'force colours')
    .option('--no-color', 'disable colours');
  audit.action(async (paths: string[], flags: AuditFlags, command: Command) => {
    const known = knownRuleIds();
    setExit(await runAuditCommand(paths, flags, (name) => command.getOptionValueSource(name) === 'cli', known, io));
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
      const root = resolveRoot(target);
      const { config } = loadConfigFile(root, knownRuleIds(), flags.config);
      io.stdout(await describeConfig(resolverOptions(target, root, config, flags), flags.format, colorLevel(flags.color, io.env, io.stdoutIsTTY)));
      setExit(0);
    });

  program
    .command('env')
    .description('print the env lines a stateless production needs (each proven to clear the findings it names)')
    .argument('[path]', 'project folder', '.')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .option('--dotenv <file>', 'env file (repeatable)', collect)
    .option('--env <KEY=VALUE>', 'env variable on top (repeatable)', collect)
    .option('--config-dir <dir>', 'config directory when it is not detected')
    .option('--config <file>', `settings file (default: ${CONFIG_FILE_NAME} in the project, if present)`)
    .action(async (target: string, flags: { format: 'pretty' | 'json'; dotenv?: string[]; env?: string[]; configDir?: string; config?: string }) => {
      const root = resolveRoot(target);
      const { config } = loadConfigFile(root, knownRuleIds(), flags.config);
      const { runEnvCommand } = await import('./commands/env.js');
      io.stdout(await runEnvCommand(resolverOptions(target, root, config, flags), flags.format));
      setExit(0);
    });

  program
    .command('rules')
    .description('list every rule')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action(async (flags: { format: 'pretty' | 'json' }) => {
      io.stdout(await (await import('./commands/rules.js')).listRules(flags.format));
      setExit(0);
    });

  program
    .command('explain')
    .description('print a rule\'s documentation')
    .argument('<rule-id>', 'e.g. laravel/session-store-local')
    .action(async (id: string) => {
      io.stdout(await (await import('./commands/rules.js')).explainRule(id));
      setExit(0);
    });

  registerHookCommand(program, io, setExit); // statelint hook install|uninstall

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
export async function main(argv: string[], given: CliIO = defaultIO): Promise<number> {
  if (argv.includes('--timing')) await startTiming();
  // Messages name project files and settings values: their control characters are escaped.
  const io = withSafeStderr(given);
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
    // --debug works with every command: it only changes how internal errors are printed.
    await program.parseAsync(argv.filter((a) => a !== '--debug'), { from: 'user' });
    if (timing.enabled) io.stderr(await timingReport());
    return stdoutFailed() ? 2 : code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    if (e instanceof UsageError) {
      io.stderr(`statelint: ${e.message}\n`);
      return 2;
    }
    // A bug in statelint (a rule that threw included): one sentence, the stack only with --debug.
    const debug = argv.includes('--debug') || !!io.env.STATELINT_DEBUG;
    const where = e instanceof RuleFailure ? ' (a bug in that rule: please report it with the file, if you can share it)' : '';
    io.stderr(`statelint: internal error: ${(e as Error).message}${where}${debug ? `\n${(e as Error).stack ?? ''}` : '; run with --debug for the stack'}\n`);
    return 2;
  }
}

/** --timing: the process's start-up (before main) is measured from Node's own clock. */
async function startTiming(): Promise<void> {
  timing.enabled = true;
  const boot = (await import('node:perf_hooks')).performance.nodeTiming.bootstrapComplete;
  timing.add('node start-up', boot);
  timing.add('module loading (cli and its imports)', performance.now() - boot);
}

async function timingReport(): Promise<string> {
  const { parserLoad } = await import('./lang/php.js');
  if (parserLoad.ms) timing.add('  of the above: parser load (WASM compile)', parserLoad.ms);
  const text = `statelint timing (ms; phases summed over the run)\n${timing.format()}`;
  timing.reset();
  return text;
}
