import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLiveReport } from '../../src/live/report.js';
import { LIVE_CHECKS } from '../../src/live/checks.js';
import { FORMAT_IDS } from '../../src/report/index.js';
import { formatGithub } from '../../src/report/github.js';
import { formatSarif } from '../../src/report/sarif.js';
import { runCli } from '../support/cli.js';
import { HOSTILE_NAMES, inputFor, makeHostile, makeRepo, PROJECTS, SECRETS } from './helpers.js';
import { ensureReportPackages } from './system.js';

const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'statelint-formats-')));
let repo: string;
let backend: string;
let hostile: string;
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => {
  ({ repo, backend } = makeRepo(tmp));
  hostile = makeHostile(tmp);
  ensureReportPackages(); // xmllint
}, 600_000);

const json = (dir: string) => JSON.parse(runCli([dir, '--format', 'json', '--fail-on', 'never']).stdout);
const run = (dir: string, format: string) => {
  const r = runCli([dir, '--format', format, '--fail-on', 'never']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
};

/** GitHub's escaping undone (the runner's parser does this): %25 last. */
const unescape = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');

function parseCommand(line: string): { command: string; props: Record<string, string>; message: string } | null {
  const m = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!m) return null;
  const props: Record<string, string> = {};
  for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    expect(eq, pair).toBeGreaterThan(0);
    props[pair.slice(0, eq)] = unescape(pair.slice(eq + 1));
  }
  return { command: m[1], props, message: unescape(m[3]) };
}

describe('the format registry', () => {
  it('every registered format is a --format choice of audit and live, and renders', () => {
    const help = runCli(['audit', '--help']).stdout.replace(/\s+/g, ' ');
    const liveHelp = runCli(['live', '--help']).stdout.replace(/\s+/g, ' ');
    for (const id of FORMAT_IDS) {
      expect(help).toContain(`"${id}"`);
      expect(liveHelp).toContain(`"${id}"`);
      expect(run(path.join(PROJECTS, 'stateless'), id).length).toBeGreaterThan(0);
    }
    expect(FORMAT_IDS).toEqual(expect.arrayContaining(['pretty', 'json', 'sarif', 'github', 'junit', 'markdown', 'html']));
  });

  it('only pretty is coloured', () => {
    for (const id of FORMAT_IDS.filter((f) => f !== 'pretty')) expect(runCli([backend, '-f', id, '--color']).stdout).not.toContain('\u001b[');
    expect(runCli([backend, '--color']).stdout).toContain('\u001b[');
  });

  it('no format prints a secret', () => {
    for (const id of FORMAT_IDS) {
      const out = run(hostile, id);
      for (const s of SECRETS) expect(out, id).not.toContain(s);
    }
  });
});

describe('github', () => {
  it('one workflow command per finding, paths from the repository root, then a summary line', () => {
    const report = json(backend);
    const lines = run(backend, 'github').trimEnd().split('\n');
    const commands = lines.slice(0, -1).map((l) => parseCommand(l));
    expect(commands.every(Boolean), lines.join('\n')).toBe(true);
    expect(commands).toHaveLength(report.findings.length);
    report.findings.forEach((f: { ruleId: string; severity: string; message: string; location: { file: string; line: number; column: number } }, i: number) => {
      const c = commands[i]!;
      expect(c.command).toBe({ error: 'error', warning: 'warning', info: 'notice' }[f.severity]);
      expect(c.props.file).toBe(`backend/${f.location.file}`);
      expect(existsSync(path.join(repo, c.props.file))).toBe(true);
      expect(Number(c.props.line)).toBe(f.location.line);
      expect(c.props.title).toBe(f.ruleId);
      expect(c.message.startsWith(f.message)).toBe(true);
    });
    const { error, warning, info } = report.summary;
    expect(lines.at(-1)).toMatch(new RegExp(`^statelint: ${error + warning + info} problems \\(${error} errors, ${warning} warnings, ${info} info\\) in \\d+ files$`));
  });

  it('escapes properties and messages as the runner parses them', () => {
    const report = json(hostile);
    const out = run(hostile, 'github');
    for (const line of out.trimEnd().split('\n')) expect(line).toMatch(/^(::(error|warning|notice) [^\r\n]*::[^\r\n]*|statelint: [^\r\n]*)$/);
    const files = out.split('\n').map(parseCommand).filter((c) => c?.props.file).map((c) => c!.props.file);
    for (const name of HOSTILE_NAMES) expect(files).toContain(`app/Http/Controllers/${name}`);
    expect(out).toContain('Weird%2Cna%3Ame%2520');
    expect(out.split('\n').at(-2)).toMatch(/^statelint: 3 problems .*1 skipped \(app\/Big\.php: larger than .*1 value not resolved \(session\.driver\)$/);
    expect(report.skipped).toHaveLength(1);
  });

  it('live findings have no file', () => {
    const report = buildLiveReport({ version: '0.1.0', issues: [{ id: 'live/session-lost-on-switch', target: 'http://10.0.0.2:8080', message: 'node B started a new session\nline two' }], project: {}, ecosystems: [], targets: 2, durationMs: 5 });
    const [line] = formatGithub(inputFor(report, LIVE_CHECKS, tmp)).split('\n');
    const c = parseCommand(line)!;
    expect(c.props).toEqual({ title: 'live/session-lost-on-switch' });
    expect(c.message).toMatch(/^http:\/\/10\.0\.0\.2:8080: node B started a new session\nline two\n/);
  });
});

describe('junit', () => {
  const xmllint = (xml: string) => spawnSync('xmllint', ['--noout', '-'], { input: xml, encoding: 'utf8' });

  it('is well-formed XML with one suite per rule, a failing case per error/warning and the checklist', () => {
    const report = json(backend);
    const xml = run(backend, 'junit');
    expect(xmllint(xml).stderr).toBe('');
    expect(xmllint(xml).status).toBe(0);
    const failing = report.findings.filter((f: { severity: string }) => f.severity !== 'info').length;
    const checklistFails = report.checklist.filter((c: { status: string }) => c.status === 'fail').length;
    expect((xml.match(/<failure /g) ?? []).length).toBe(failing + checklistFails);
    expect(xml).toMatch(new RegExp(`<testsuites name="statelint" tests="\\d+" failures="${failing + checklistFails}"`));
    expect(xml).toContain('<testsuite name="laravel/session-store-local"');
    expect(xml).toContain(`<testsuite name="statelessness checklist" tests="${report.checklist.length}" failures="${checklistFails}"`);
    expect(xml).toContain('file="backend/.env.example" line="25"');
  });

  it('stays well-formed with markup and control characters in file names and code', () => {
    const xml = run(hostile, 'junit');
    const r = xmllint(xml);
    expect(r.stderr).toBe('');
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    expect(xml).toContain('ctl\\u0001.php');
    expect(xml).toContain('&lt;img src=x onerror=alert(1)&gt;.php');
    expect(xml).toMatch(/<testcase name="Sessions" classname="checklist.sessions">\s*<skipped message="not decided: /);
    expect(xml).toContain('<testsuite name="not fully analysed"');
  });

  it('a clean app is all passing cases', () => {
    const xml = run(path.join(PROJECTS, 'stateless'), 'junit');
    expect(xmllint(xml).status).toBe(0);
    expect(xml).toMatch(/<testsuites name="statelint" tests="\d+" failures="0" errors="0" skipped="0"/);
  });
});

describe('markdown', () => {
  /** Cells of a table row: escaped characters are not separators. */
  const cells = (row: string) => row.replace(/\\./g, 'x').split('|').length - 2;

  it('checklist and findings tables for the step summary', () => {
    const report = json(backend);
    const md = run(backend, 'markdown');
    const rows = md.split('\n').filter((l) => l.startsWith('| '));
    expect(rows.filter((r) => /^\| (✅|❌|❔) /.test(r))).toHaveLength(report.checklist.length);
    expect(rows.filter((r) => /^\| (🔴|🟠|🔵) /.test(r))).toHaveLength(report.findings.length);
    expect(md).toContain('| ❌ fail | Sessions | session.driver = file | backend/.env.example:25 |');
    expect(md).toContain('### How to fix');
  });

  it('a | or a backtick in project text cannot break the table or open code', () => {
    const md = run(hostile, 'markdown');
    const table = md.split('\n').filter((l) => l.startsWith('|'));
    const findingRows = table.filter((r) => /^\| (🔴|🟠|🔵) /.test(r));
    expect(findingRows).toHaveLength(3);
    for (const r of findingRows) expect(cells(r)).toBe(5);
    for (const r of table.filter((l) => /^\| (✅|❌|❔) /.test(l))) expect(cells(r)).toBe(4);
    expect(md.replace(/\\./g, '')).not.toMatch(/[`<]/);
    expect(md).toContain('Weird,na:me%20\\|\\`x\\`.php');
    expect(md).toContain('### Not fully analysed');
  });
});

describe('sarif', () => {
  it('URIs are relative to the repository root, which originalUriBaseIds names', () => {
    const log = JSON.parse(run(backend, 'sarif'));
    const runLog = log.runs[0];
    expect(runLog.originalUriBaseIds['%SRCROOT%'].uri).toBe(`${pathToFileURL(repo).href}/`);
    for (const r of runLog.results) {
      const a = r.locations[0].physicalLocation.artifactLocation;
      expect(a.uriBaseId).toBe('%SRCROOT%');
      expect(a.uri).toMatch(/^backend\//);
      expect(existsSync(path.join(repo, a.uri))).toBe(true);
      for (const rel of r.relatedLocations) expect(rel.physicalLocation.artifactLocation.uri).toMatch(/^backend\//);
    }
    expect(runLog.invocations[0].executionSuccessful).toBe(true);
  });

  // RFC 3986 relative references: '%', '<', '|', '`', space and control characters percent-encoded (',' ':' '=' too).
  const HOSTILE_URIS = ['%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.php', 'Weird%2Cna%3Ame%2520%7C%60x%60.php', 'ctl%01.php'];
  it('outside a git repository, relative to the audited folder; skipped files and unresolved values are notifications', () => {
    const log = JSON.parse(run(hostile, 'sarif'));
    const runLog = log.runs[0];
    expect(runLog.originalUriBaseIds['%SRCROOT%'].uri).toBe(`${pathToFileURL(hostile).href}/`);
    expect(runLog.results.map((r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => r.locations[0].physicalLocation.artifactLocation.uri).sort()).toEqual(HOSTILE_URIS.map((n) => `app/Http/Controllers/${n}`).sort());
    const notes = runLog.invocations[0].toolExecutionNotifications;
    expect(notes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'note', descriptor: { id: 'statelint/skipped' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'app/Big.php', uriBaseId: '%SRCROOT%' } } }] }),
        expect.objectContaining({ level: 'note', descriptor: { id: 'statelint/unresolved-value' }, message: { text: expect.stringContaining('session.driver') } }),
      ]),
    );
  });

  it('nothing audited is executionSuccessful: false', () => {
    const empty = path.join(tmp, 'empty');
    mkdirSync(empty);
    const r = runCli([empty, '--ecosystem', 'laravel', '--format', 'sarif', '--fail-on', 'never'], {}, tmp);
    expect(JSON.parse(r.stdout).runs[0].invocations[0].executionSuccessful).toBe(false);
  });

  it('live findings are not file URIs', () => {
    const report = buildLiveReport({ version: '0.1.0', issues: [{ id: 'live/store-not-persistent', target: 'redis://10.0.0.5:6379', message: 'no RDB, no AOF' }], project: {}, ecosystems: [], targets: 1, durationMs: 5 });
    const log = JSON.parse(formatSarif(inputFor(report, LIVE_CHECKS, tmp)));
    const result = log.runs[0].results[0];
    expect(result.locations[0].physicalLocation).toBeUndefined();
    expect(result.locations[0].logicalLocations[0]).toEqual({ name: 'redis://10.0.0.5:6379', fullyQualifiedName: 'redis://10.0.0.5:6379', kind: 'resource' });
    expect(JSON.stringify(log)).not.toContain('"uri":"redis');
  });
});

describe('rules and explain', () => {
  it('rules --format json has a schemaVersion and lists the live checks', () => {
    const out = JSON.parse(runCli(['rules', '--format', 'json']).stdout);
    expect(out.schemaVersion).toBe(1);
    const ids = out.rules.map((r: { id: string }) => r.id);
    for (const c of LIVE_CHECKS) expect(ids).toContain(c.id);
    expect(out.rules.find((r: { id: string }) => r.id === 'live/clock-skew').command).toBe('live');
    expect(out.rules.find((r: { id: string }) => r.id === 'laravel/session-store-local').command).toBe('audit');
    expect(runCli(['rules']).stdout).toContain('live/logout-not-propagated');
  });

  it('explain covers a live check', () => {
    const r = runCli(['explain', 'live/store-evicts-sessions']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('maxmemory-policy');
    expect(r.stdout).toContain('checked by statelint live');
  });
});
