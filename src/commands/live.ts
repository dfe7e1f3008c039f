import path from 'node:path';
import { Option, type Command } from 'commander';
import { live, type LiveOptions } from '../api/live.js';
import { colorLevel, emit, render, type CliIO, type Format } from './output.js';
import { FORMAT_IDS } from '../report/index.js';
import type { Severity } from '../engine/finding.js';
import { LIVE_CHECKS } from '../live/checks.js';
import { describeLoad } from '../live/load.js';
import { UsageError } from './errors.js';
import { resolveRoot } from '../api/user-files.js';


/** Commander's values: the options live() takes as they are, plus the ones given as text or lists on the command line. */
interface LiveFlags extends Pick<LiveOptions, 'loginPath' | 'authPath' | 'logoutPath' | 'appKey' | 'cookie' | 'redis' | 'sentinel' | 'sentinelName' | 'cluster' | 'redisPassword' | 'sentinelPassword' | 'redisTls' | 'ca' | 'readOnly'> {
  node?: string[];
  path: string;
  loginField?: string[];
  sessions?: string;
  concurrency?: string;
  dotenv?: string[];
  env?: string[];
  timeout: string;
  format: Format;
  output?: string;
  failOn: Severity | 'never';
  color?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function keyValues(items: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} expects NAME=VALUE`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export function registerLiveCommand(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command('live')
    .description('prove live that sessions survive a node switch on a running cluster, or probe the session store alone (--redis, --sentinel, --cluster)')
    .argument('[project-path]', 'Laravel project: APP_KEY, cookie, lifetime and the session Redis come from its effective config')
    .option('--node <url>', 'app node URL (repeat for each node)', collect)
    .option('--path <path>', 'page that starts a session', '/')
    .option('--login-path <path>', 'login page (GET without --login-field, form POST with it)')
    .option('--login-field <name=value>', 'login form field (repeatable)', collect)
    .option('--auth-path <path>', 'page that needs the login (2xx = authenticated)')
    .option('--logout-path <path>', 'logout page')
    .option('--app-key <key>', 'Laravel APP_KEY (default: the project env files); never printed')
    .option('--cookie <name>', 'session cookie name (default: from the project, else auto-detected)')
    .option('--redis <url>', 'Redis that holds the sessions (redis:// or rediss://); alone: store mode')
    .option('--sentinel <host:port>', 'Sentinel address(es) HOST:PORT[,HOST:PORT] (with --sentinel-name)')
    .option('--sentinel-name <name>', 'master name Sentinel monitors')
    .option('--cluster <nodes>', 'Redis Cluster seed nodes HOST:PORT[,HOST:PORT...]')
    .option('--redis-password <password>', 'Redis AUTH password for the store (Sentinel master/replicas, Cluster nodes, --redis without one in the URL); env STATELINT_REDIS_PASSWORD; never printed')
    .option('--sentinel-password <password>', 'password of the Sentinel processes; env STATELINT_SENTINEL_PASSWORD; never printed')
    .option('--redis-tls', 'TLS to Sentinel and Cluster (standalone: use rediss://)')
    .option('--ca <file>', 'PEM file with a private CA, trusted for https nodes and TLS stores (verification stays on)')
    .option('--sessions <n>', 'load mode: number of independent sessions, each made on one node and verified on another')
    .option('--concurrency <c>', 'load mode: sessions in flight at once', '20')
    .option('--dotenv <file>', 'project env file for the resolver (repeatable; default .env, else .env.example)', collect)
    .option('--env <KEY=VALUE>', 'env value on top of the env files (repeatable)', collect)
    .option('--read-only', 'never write to the store')
    .option('--timeout <ms>', 'timeout of every network call', '5000')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMAT_IDS).default('pretty'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <level>', 'exit 1 when a finding is at or above this level').choices(['error', 'warning', 'info', 'never']).default('error'))
    .option('--color', 'force colours')
    .option('--no-color', 'disable colours')
    .action(async (projectPath: string | undefined, flags: LiveFlags) => {
      // A project folder that is not there would silently mean "no project settings": a usage error instead.
      if (projectPath !== undefined) resolveRoot(projectPath);
      const sessions = flags.sessions === undefined ? undefined : Number(flags.sessions);
      if (sessions !== undefined && (!Number.isInteger(sessions) || sessions <= 0)) throw new UsageError(`--sessions takes a positive whole number, got "${flags.sessions}"`);
      const concurrency = Number(flags.concurrency ?? 20);
      if (!Number.isInteger(concurrency) || concurrency <= 0) throw new UsageError(`--concurrency takes a positive whole number, got "${flags.concurrency}"`);
      const timeoutMs = Number(flags.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout takes a positive number of milliseconds, got "${flags.timeout}"`);
      const result = await live({
        projectPath,
        nodes: flags.node ?? [],
        path: flags.path,
        loginPath: flags.loginPath,
        loginFields: keyValues(flags.loginField, '--login-field'),
        authPath: flags.authPath,
        logoutPath: flags.logoutPath,
        appKey: flags.appKey,
        cookie: flags.cookie,
        redis: flags.redis,
        sentinel: flags.sentinel,
        sentinelName: flags.sentinelName,
        cluster: flags.cluster,
        redisPassword: flags.redisPassword ?? (io.env.STATELINT_REDIS_PASSWORD || undefined),
        sentinelPassword: flags.sentinelPassword ?? (io.env.STATELINT_SENTINEL_PASSWORD || undefined),
        redisTls: flags.redisTls,
        ca: flags.ca,
        sessions,
        concurrency,
        envFiles: flags.dotenv,
        envOverrides: flags.env ? keyValues(flags.env, '--env') : undefined,
        readOnly: flags.readOnly,
        timeoutMs,
        failOn: flags.failOn,
      });
      if (!result.report) {
        io.stderr(`statelint: ${result.error}\n`);
        setExit(2);
        return;
      }
      if (result.load) io.stderr(`statelint: load mode: ${result.redactor.apply(describeLoad(result.load))}\n`);
      const level = flags.output ? 0 : colorLevel(flags.color, io.env, io.stdoutIsTTY);
      // Redact the report itself before rendering: formats that escape text (html, junit, markdown, github)
      // would otherwise hide a secret with & < ' % , from a redaction of the rendered text. The rendered text
      // is redacted again for anything a formatter adds.
      const report = result.redactor.applyDeep(result.report);
      const text = await render(flags.format, { report, rules: LIVE_CHECKS, lineText: () => undefined, rootAbsolute: path.resolve(projectPath ?? '.') }, level);
      emit(result.redactor.apply(text), flags.output, io);
      if (flags.output) io.stderr(`statelint: report written to ${flags.output}\n`);
      setExit(result.exitCode);
    });
}
