import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Chalk } from 'chalk';
import { Option, type Command } from 'commander';
import { parse as parseEnv } from 'dotenv';
import { colorLevel, emit, exitCodeFor, render, type CliIO } from '../cli.js';
import type { Severity } from '../engine/finding.js';
import { LIVE_CHECKS } from '../live/checks.js';
import { TargetUnreachableError } from '../live/errors.js';
import { displayUrl, Redactor } from '../live/redact.js';
import { probeRedis } from '../live/redis-store.js';
import { buildLiveReport, type LiveIssue } from '../live/report.js';
import { runSwitchScenario } from '../live/scenario.js';
import type { Report } from '../report/model.js';
import { UsageError } from './errors.js';
import { TOOL_VERSION } from './version.js';

export interface LiveOptions {
  projectPath?: string;
  nodes: string[];
  path?: string;
  loginPath?: string;
  loginFields?: Record<string, string>;
  authPath?: string;
  logoutPath?: string;
  appKey?: string;
  cookie?: string;
  redis?: string;
  readOnly?: boolean;
  timeoutMs?: number;
  failOn?: Severity | 'never';
}

export interface LiveResult {
  /** null when the run stopped with exit 2 (unreachable node or store, bad options). */
  report: Report | null;
  exitCode: 0 | 1 | 2;
  /** The one sentence printed for exit 2. */
  error?: string;
  /** Secrets seen during the run; apply to anything printed. */
  redactor: Redactor;
}

/** APP_KEY and SESSION_COOKIE from the project's .env (else .env.example), when not given. */
function projectSettings(projectPath: string): { appKey?: string; cookie?: string } {
  for (const name of ['.env', '.env.example']) {
    const file = path.join(projectPath, name);
    if (!existsSync(file)) continue;
    const env = parseEnv(readFileSync(file));
    return { appKey: env.APP_KEY || undefined, cookie: env.SESSION_COOKIE || undefined };
  }
  return {};
}

function checkUrl(raw: string, flag: string, schemes: string[]): void {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`${flag} expects a URL, got "${displayUrl(raw)}"`);
  }
  if (!schemes.includes(u.protocol)) throw new UsageError(`${flag} expects a ${schemes.map((s) => s.replace(':', '://')).join(' or ')} URL, got "${displayUrl(raw)}"`);
}

/** Runs the live checks and maps the outcome to an exit code (0 clean, 1 findings at/above failOn, 2 unreachable/usage). */
export async function runLive(options: LiveOptions): Promise<LiveResult> {
  const redactor = new Redactor();
  const started = Date.now();
  try {
    const fromProject = options.projectPath ? projectSettings(options.projectPath) : {};
    const appKey = options.appKey ?? fromProject.appKey;
    redactor.add(appKey);
    if (appKey?.startsWith('base64:')) redactor.add(appKey.slice(7));
    if (options.nodes.length === 0 && !options.redis) throw new UsageError('live needs at least two --node URLs, or --redis URL for store mode');
    if (options.nodes.length === 1) throw new UsageError('live needs at least two --node URLs to switch a session between nodes');
    for (const n of options.nodes) checkUrl(n, '--node', ['http:', 'https:']);
    if (options.redis) {
      checkUrl(options.redis, '--redis', ['redis:', 'rediss:']);
      const pw = new URL(options.redis).password;
      if (pw) redactor.add(decodeURIComponent(pw));
    }
    const timeoutMs = options.timeoutMs ?? 5000;
    const issues: LiveIssue[] = [];
    const project: Record<string, unknown> = {};
    const errors: { file: string; message: string }[] = [];
    if (options.redis) {
      const store = await probeRedis({ url: options.redis, readOnly: !!options.readOnly, timeoutMs });
      issues.push(...store.issues);
      project.store = { target: store.target, facts: store.facts, probe: store.probe };
    }
    if (options.nodes.length >= 2) {
      const scenario = await runSwitchScenario({
        nodes: options.nodes,
        path: options.path ?? '/',
        cookieName: options.cookie ?? fromProject.cookie,
        loginPath: options.loginPath,
        loginFields: options.loginFields,
        authPath: options.authPath,
        logoutPath: options.logoutPath,
        appKey,
        timeoutMs,
        redactor,
      });
      issues.push(...scenario.issues);
      errors.push(...scenario.notes);
      project.nodes = options.nodes.map(displayUrl);
      project.switch = scenario.observations;
    }
    const report = buildLiveReport({
      version: TOOL_VERSION,
      issues,
      project: { live: project },
      ecosystems: [],
      targets: options.nodes.length + (options.redis ? 1 : 0),
      durationMs: Date.now() - started,
    });
    report.errors.push(...errors);
    return { report, exitCode: exitCodeFor(report.findings.map((f) => f.severity), options.failOn ?? 'error'), redactor };
  } catch (e) {
    if (e instanceof TargetUnreachableError || e instanceof UsageError) return { report: null, exitCode: 2, error: redactor.apply(e.message), redactor };
    throw e;
  }
}

interface LiveFlags {
  node?: string[];
  path: string;
  loginPath?: string;
  loginField?: string[];
  authPath?: string;
  logoutPath?: string;
  appKey?: string;
  cookie?: string;
  redis?: string;
  sentinel?: string;
  sentinelName?: string;
  cluster?: string;
  sessions?: string;
  concurrency?: string;
  readOnly?: boolean;
  timeout: string;
  format: 'pretty' | 'json' | 'sarif';
  output?: string;
  failOn: Severity | 'never';
  color?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function keyValues(items: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError('--login-field expects NAME=VALUE');
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export function registerLiveCommand(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command('live')
    .description('prove live that sessions survive a node switch on a running cluster, or probe the session store alone (--redis)')
    .argument('[project-path]', 'project folder to read APP_KEY and the session cookie name from')
    .option('--node <url>', 'app node URL (repeat for each node)', collect)
    .option('--path <path>', 'page that starts a session', '/')
    .option('--login-path <path>', 'login page (GET without --login-field, form POST with it)')
    .option('--login-field <name=value>', 'login form field (repeatable)', collect)
    .option('--auth-path <path>', 'page that needs the login (2xx = authenticated)')
    .option('--logout-path <path>', 'logout page')
    .option('--app-key <key>', 'Laravel APP_KEY (default: the project env files); never printed')
    .option('--cookie <name>', 'session cookie name (default: from the project, else auto-detected)')
    .option('--redis <url>', 'Redis that holds the sessions (redis:// or rediss://); alone: store mode')
    .option('--sentinel <host:port>', 'Sentinel address (not implemented yet)')
    .option('--sentinel-name <name>', 'Sentinel master name (not implemented yet)')
    .option('--cluster <nodes>', 'Redis Cluster nodes host:port,... (not implemented yet)')
    .option('--sessions <n>', 'load mode: number of sessions (not implemented yet)')
    .option('--concurrency <c>', 'load mode: parallel sessions (not implemented yet)')
    .option('--read-only', 'never write to the store')
    .option('--timeout <ms>', 'timeout of every network call', '5000')
    .addOption(new Option('-f, --format <format>', 'report format').choices(['pretty', 'json', 'sarif']).default('pretty'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <level>', 'exit 1 when a finding is at or above this level').choices(['error', 'warning', 'info', 'never']).default('error'))
    .option('--color', 'force colours')
    .option('--no-color', 'disable colours')
    .action(async (projectPath: string | undefined, flags: LiveFlags) => {
      for (const f of ['sentinel', 'cluster', 'sessions'] as const) {
        if (flags[f]) throw new UsageError(`--${f} is not implemented yet in this version of statelint live`);
      }
      const timeoutMs = Number(flags.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout takes a positive number of milliseconds, got "${flags.timeout}"`);
      const result = await runLive({
        projectPath,
        nodes: flags.node ?? [],
        path: flags.path,
        loginPath: flags.loginPath,
        loginFields: keyValues(flags.loginField),
        authPath: flags.authPath,
        logoutPath: flags.logoutPath,
        appKey: flags.appKey,
        cookie: flags.cookie,
        redis: flags.redis,
        readOnly: flags.readOnly,
        timeoutMs,
        failOn: flags.failOn,
      });
      if (!result.report) {
        io.stderr(`statelint: ${result.error}\n`);
        setExit(2);
        return;
      }
      const chalk = new Chalk({ level: flags.output ? 0 : colorLevel(flags.color, io.env, io.stdoutIsTTY) });
      const text = render(flags.format, { report: result.report, rules: LIVE_CHECKS, lineText: () => undefined, rootAbsolute: path.resolve(projectPath ?? '.') }, chalk);
      emit(result.redactor.apply(text), flags.output, io);
      if (flags.output) io.stderr(`statelint: report written to ${flags.output}\n`);
      setExit(result.exitCode);
    });
}
