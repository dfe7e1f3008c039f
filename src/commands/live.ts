import path from 'node:path';
import { Chalk } from 'chalk';
import { Option, type Command } from 'commander';
import { colorLevel, emit, exitCodeFor, render, type CliIO, type Format } from './output.js';
import { FORMAT_IDS } from '../report/index.js';
import type { Severity } from '../engine/finding.js';
import { LIVE_CHECKS } from '../live/checks.js';
import { TargetUnreachableError } from '../live/errors.js';
import { MAX_BODY_BYTES, pathProblem } from '../live/http.js';
import { describeLoad, runLoad, type LoadStats } from '../live/load.js';
import { readProjectSettings, type ProjectSettings } from '../live/project-settings.js';
import { displayUrl, Redactor } from '../live/redact.js';
import { captureClientNotices, describeTarget, parseHostPorts, probeStore, type StoreAccess, type StoreTarget } from '../live/redis-store.js';
import { loadCa } from '../live/tls.js';
import { buildLiveReport, type LiveIssue } from '../live/report.js';
import { runSwitchScenario, type ScenarioOptions } from '../live/scenario.js';
import { checkSessionKey } from '../live/session-key.js';
import type { Report } from '../report/model.js';
import { UsageError } from './errors.js';
import { TOOL_VERSION } from '../api/version.js';
import { resolveRoot } from '../api/user-files.js';

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
  /** Sentinel addresses (HOST:PORT[,HOST:PORT]) and the master name. */
  sentinel?: string;
  sentinelName?: string;
  /** Redis Cluster seed nodes (HOST:PORT[,HOST:PORT...]). */
  cluster?: string;
  /** AUTH password for the store's Redis servers (standalone without a URL password, Sentinel's master/replicas, Cluster nodes). */
  redisPassword?: string;
  /** AUTH password for the Sentinel processes themselves. */
  sentinelPassword?: string;
  /** TLS for Sentinel and Cluster (standalone: rediss://). */
  redisTls?: boolean;
  /** PEM file with private CA certificate(s), trusted for https nodes and TLS stores besides Node's public roots. */
  ca?: string;
  /** Load mode. */
  sessions?: number;
  concurrency?: number;
  readOnly?: boolean;
  timeoutMs?: number;
  failOn?: Severity | 'never';
  /** Env files and KEY=VALUE overrides for the project resolver (default .env, else .env.example). */
  envFiles?: string[];
  envOverrides?: Record<string, string>;
}

export interface LiveResult {
  /** null when the run stopped with exit 2 (unreachable node or store, bad options). */
  report: Report | null;
  exitCode: 0 | 1 | 2;
  /** The one sentence printed for exit 2. */
  error?: string;
  /** Secrets seen during the run; apply to anything printed. */
  redactor: Redactor;
  /** Load mode figures (also in report.project.live.load). */
  load?: LoadStats;
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

/** Paths must stay on the named nodes: a full URL, `//host` or `/\\host` would send requests (and the login) elsewhere. */
function checkPath(value: string | undefined, flag: string): void {
  if (value === undefined) return;
  const problem = pathProblem(value);
  if (problem) throw new UsageError(`${flag} takes a path on the nodes named with --node, such as /login; "${displayUrl(value)}" is not one (${problem})`);
}

function hostPorts(raw: string, flag: string) {
  try {
    return parseHostPorts(raw, flag);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The store given by --redis / --sentinel / --cluster (at most one). */
function storeFromFlags(o: LiveOptions, access: StoreAccess): StoreTarget | undefined {
  const given = [o.redis && '--redis', o.sentinel && '--sentinel', o.cluster && '--cluster'].filter(Boolean);
  if (given.length > 1) throw new UsageError(`use only one of ${given.join(', ')}`);
  if (o.sentinelName && !o.sentinel) throw new UsageError('--sentinel-name needs --sentinel HOST:PORT');
  if (o.redis) {
    checkUrl(o.redis, '--redis', ['redis:', 'rediss:']);
    return { ...access, kind: 'standalone', url: o.redis };
  }
  if (o.sentinel) {
    if (!o.sentinelName) throw new UsageError('--sentinel needs --sentinel-name NAME (the master name Sentinel monitors)');
    return { ...access, kind: 'sentinel', sentinels: hostPorts(o.sentinel, '--sentinel'), name: o.sentinelName };
  }
  if (o.cluster) return { ...access, kind: 'cluster', nodes: hostPorts(o.cluster, '--cluster') };
  if (o.sentinelPassword) throw new UsageError('--sentinel-password needs --sentinel HOST:PORT');
  return undefined;
}

/** The store the project's config names for sessions (driver redis), as a probe target. */
function storeFromProject(s: ProjectSettings): StoreTarget | undefined {
  const r = s.redis;
  if (!r) return undefined;
  if (r.kind === 'cluster') {
    return { kind: 'cluster', nodes: r.urls.map((u) => new URL(u)).map((u) => ({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 6379) })), password: r.password };
  }
  return { kind: 'standalone', url: r.urls[0] as string };
}

/** Runs the live checks and maps the outcome to an exit code (0 clean, 1 findings at/above failOn, 2 unreachable/usage). */
export async function runLive(options: LiveOptions): Promise<LiveResult> {
  const redactor = new Redactor();
  const started = Date.now();
  const clientNotices = captureClientNotices();
  try {
    const settings: ProjectSettings | undefined = options.projectPath ? await readProjectSettings(options.projectPath, { envFiles: options.envFiles, envOverrides: options.envOverrides }) : undefined;
    const appKey = options.appKey ?? settings?.appKey;
    redactor.add(appKey);
    if (appKey?.startsWith('base64:')) redactor.add(appKey.slice(7));
    redactor.add(settings?.redis?.password);
    redactor.add(options.redisPassword);
    redactor.add(options.sentinelPassword);
    let ca: string[] | undefined;
    if (options.ca) {
      try {
        ca = loadCa(options.ca);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const access: StoreAccess = { password: options.redisPassword, sentinelPassword: options.sentinelPassword, tls: options.redisTls, ca };
    const explicitStore = storeFromFlags(options, access);
    if (options.nodes.length === 0 && !explicitStore) throw new UsageError('live needs at least two --node URLs, or --redis URL / --sentinel / --cluster for store mode');
    if (options.nodes.length === 1) throw new UsageError('live needs at least two --node URLs to switch a session between nodes');
    for (const n of options.nodes) checkUrl(n, '--node', ['http:', 'https:']);
    checkPath(options.path, '--path');
    checkPath(options.loginPath, '--login-path');
    checkPath(options.authPath, '--auth-path');
    checkPath(options.logoutPath, '--logout-path');
    if (options.redis) {
      const pw = new URL(options.redis).password;
      if (pw) redactor.add(decodeURIComponent(pw));
    }
    if (options.sessions !== undefined && (!Number.isInteger(options.sessions) || options.sessions <= 0)) throw new UsageError('--sessions takes a positive whole number');
    if (options.sessions !== undefined && options.nodes.length < 2) throw new UsageError('--sessions (load mode) needs at least two --node URLs');
    const timeoutMs = options.timeoutMs ?? 5000;
    const issues: LiveIssue[] = [];
    const live: Record<string, unknown> = {};
    const errors: { file: string; message: string }[] = [];
    const projectLabel = options.projectPath ?? '.';
    // Each project note names a check that could not run: undecided, so not a pass.
    for (const note of settings?.notes ?? []) issues.push({ id: 'live/check-incomplete', target: projectLabel, message: `From the project's configuration: ${note}.` });
    if (settings) {
      live.projectConfig = {
        appKey: appKey ? (options.appKey ? 'given (--app-key)' : 'from the project (redacted)') : 'not found',
        cookie: settings.cookie ?? null,
        lifetimeMinutes: settings.lifetimeMinutes ?? null,
        driver: settings.driver ?? null,
        laravelMajor: settings.laravelMajor ?? null,
        sessionStore: settings.redis ? { connection: settings.redis.connection, kind: settings.redis.kind, targets: settings.redis.urls.map(displayUrl), db: settings.redis.db } : null,
        ...(settings.node ? { node: { sessionAt: `${settings.node.file}:${settings.node.line}`, store: settings.node.store, prefix: settings.node.prefix ?? null, prefixFrom: settings.node.prefixFrom ?? null, ttlSeconds: settings.node.ttlSeconds ?? null } } : {}),
      };
    }
    // Explicit store flags win; else the Redis the project's config names for sessions.
    const fromProject = settings ? storeFromProject(settings) : undefined;
    const store: StoreTarget | undefined = explicitStore ?? (fromProject && { ...fromProject, password: options.redisPassword ?? fromProject.password, tls: options.redisTls || fromProject.tls, ca });
    // A Node app whose connect-redis server is not in its code or env files: undecided unless a store flag names one.
    if (settings?.unresolvedStore && !explicitStore) issues.push({ id: 'live/check-incomplete', target: projectLabel, message: `From the project's code: ${settings.unresolvedStore}; the session key check did not run.` });
    if (store) {
      const probed = await probeStore(store, !!options.readOnly, timeoutMs);
      issues.push(...probed.issues);
      // CONFIG disabled (common on managed Redis): those store checks stay unknown, and the report says so.
      const unknownFacts = [probed.facts.saveRules === null && probed.facts.aofEnabled !== true && 'persistence (live/store-not-persistent: CONFIG GET save)', probed.facts.maxmemoryPolicy === null && 'eviction (live/store-evicts-sessions: maxmemory-policy)'].filter(Boolean);
      if (unknownFacts.length) errors.push({ file: probed.target, message: `the server did not tell ${unknownFacts.join(' or ')}; ${unknownFacts.length === 1 ? 'that check was' : 'those checks were'} not run` });
      live.store = { target: probed.target, kind: probed.kind, from: explicitStore ? 'flags' : 'project config', topology: probed.topology, facts: probed.facts, probe: probed.probe };
    }
    const scenarioOptions: ScenarioOptions = {
      nodes: options.nodes,
      path: options.path ?? '/',
      cookieName: options.cookie ?? settings?.cookie,
      loginPath: options.loginPath,
      loginFields: options.loginFields,
      authPath: options.authPath,
      logoutPath: options.logoutPath,
      appKey,
      timeoutMs,
      redactor,
      ca,
    };
    if (options.nodes.length >= 2) {
      const scenario = await runSwitchScenario(scenarioOptions);
      issues.push(...scenario.issues);
      errors.push(...scenario.notes);
      live.nodes = options.nodes.map(displayUrl);
      live.switch = scenario.observations;

      // live/store-session-missing: the id made on node A must be where the config says sessions live.
      const nodeKeys = settings?.node?.store === 'connect-redis' && settings.node.prefix !== undefined ? { prefix: settings.node.prefix, prefixFrom: settings.node.prefixFrom, ttlSeconds: settings.node.ttlSeconds } : undefined;
      if (settings?.driver === 'redis' && (settings.node ? nodeKeys : settings.redis) && store) {
        if (!scenario.firstSession) {
          issues.push({ id: 'live/check-incomplete', target: describeTarget(store), message: 'The session id made on the first node could not be read (no APP_KEY, or no session cookie): whether sessions are stored where the config says was not checked.' });
        } else {
          const fromProject = !explicitStore;
          const projectDb = settings.redis?.db ?? 0;
          const db = store.kind === 'standalone' && /\/\d+$/.test(new URL(store.url).pathname) ? Number(new URL(store.url).pathname.slice(1)) : projectDb;
          const checked = await checkSessionKey({
            store,
            db: fromProject ? projectDb : db,
            layout: settings.redis ?? { connection: 'connect-redis', clientPrefix: '', cachePrefix: '' },
            node: nodeKeys,
            laravelMajor: settings.laravelMajor,
            lifetimeMinutes: settings.lifetimeMinutes,
            sessionId: scenario.firstSession.id,
            nodeUrl: displayUrl(scenario.firstSession.node),
            timeoutMs,
          });
          issues.push(...checked.issues);
          live.sessionKey = checked.observation;
        }
      } else if (settings && settings.driver && settings.driver !== 'redis') {
        live.sessionKey = settings.node ? `not checked: the app's express-session store is ${settings.node.store === 'memory' ? 'its in-process MemoryStore' : 'not connect-redis'} (${settings.node.file}:${settings.node.line})` : `not checked: session.driver is ${settings.driver}`;
      }
    }
    let load: LoadStats | undefined;
    if (options.sessions) {
      const res = await runLoad({ ...scenarioOptions, sessions: options.sessions, concurrency: options.concurrency ?? 20 });
      load = res.stats;
      live.load = res.stats;
      for (const [node, l] of Object.entries(res.stats.perNode)) {
        if (l.truncatedBodies) errors.push({ file: node, message: `load mode: ${l.truncatedBodies} response bodies were longer than ${MAX_BODY_BYTES} bytes; statelint read the first ${MAX_BODY_BYTES} bytes of each and dropped the connection` });
      }
      // Load mode's counts complete the single-session finding of the same check (for a lost session or
      // a stale logout whichever node it names; for a node error or an incomplete check the same node's).
      for (const i of res.issues) {
        const anyNode = i.id === 'live/session-lost-on-switch' || i.id === 'live/logout-not-propagated';
        const same = issues.find((x) => x.id === i.id && (anyNode || x.target === i.target));
        if (same) same.message += ` ${i.message}`;
        else issues.push(i);
      }
    }
    const report = buildLiveReport({
      version: TOOL_VERSION,
      issues,
      project: { live },
      ecosystems: [],
      targets: options.nodes.length + (store ? 1 : 0),
      durationMs: Date.now() - started,
    });
    report.errors.push(...errors);
    for (const n of clientNotices.notices) report.errors.push({ file: store ? describeTarget(store) : projectLabel, message: `Redis client notice: ${n}` });
    return { report, exitCode: exitCodeFor(report.findings.map((f) => f.severity), options.failOn ?? 'error'), redactor, load };
  } catch (e) {
    if (e instanceof TargetUnreachableError || e instanceof UsageError) return { report: null, exitCode: 2, error: redactor.apply(e.message), redactor };
    // Anything else is a bug: one sentence, secrets removed, no stack trace.
    const first = String((e as Error)?.message ?? e).split('\n')[0];
    return { report: null, exitCode: 2, error: redactor.apply(`internal error in statelint live: ${first}`), redactor };
  } finally {
    clientNotices.restore();
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
  redisPassword?: string;
  sentinelPassword?: string;
  redisTls?: boolean;
  ca?: string;
  sessions?: string;
  concurrency?: string;
  dotenv?: string[];
  env?: string[];
  readOnly?: boolean;
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
      const result = await runLive({
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
      const chalk = new Chalk({ level: flags.output ? 0 : colorLevel(flags.color, io.env, io.stdoutIsTTY) });
      // Redact the report itself before rendering: formats that escape text (html, junit, markdown, github)
      // would otherwise hide a secret with & < ' % , from a redaction of the rendered text. The rendered text
      // is redacted again for anything a formatter adds.
      const report = result.redactor.applyDeep(result.report);
      const text = render(flags.format, { report, rules: LIVE_CHECKS, lineText: () => undefined, rootAbsolute: path.resolve(projectPath ?? '.') }, chalk);
      emit(result.redactor.apply(text), flags.output, io);
      if (flags.output) io.stderr(`statelint: report written to ${flags.output}\n`);
      setExit(result.exitCode);
    });
}
