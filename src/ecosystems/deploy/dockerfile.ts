import path from 'node:path';
import { LineIndex, type Location } from '../../lang/source-text.js';
import type { ProjectFs } from '../../project/fs.js';
import type { Dockerfile, EnvVar, ProcessLine } from './model.js';

/** A Dockerfile line with the part of the image it belongs to. */
export interface ImageLine extends ProcessLine {
  part: 'build' | 'entrypoint' | 'cmd';
}

export interface ImageInfo extends Dockerfile {
  lines: ImageLine[];
}

const APP_BASE = /\b(?:php|node|laravel|frankenphp|serversideup|webdevops|composer|bun|deno)\b/i;
/** Files an image copies that say how it starts (read even in folders the deployment walk skips). */
const SCRIPT_NAME = /\.(?:sh|conf|ini|cron)$|^(?:crontab|Procfile|[\w.-]*entrypoint[\w.-]*|supervisord[\w.-]*)$/i;
const APP_BUILD = /\bcomposer\s+install\b|\bnpm\s+(?:ci|install)\b|\byarn\b|\bpnpm\b|\bartisan\b/;

interface Instruction {
  op: string;
  args: string;
  /** Physical lines (1-based) and their text. */
  physical: { line: number; text: string }[];
}

function instructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  const out: Instruction[] = [];
  let cur: Instruction | undefined;
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (!cur && (/^\s*#/.test(raw) || !raw.trim())) return;
    if (cur && /^\s*#/.test(raw)) return;
    const continued = /\\\s*$/.test(raw);
    const body = raw.replace(/\\\s*$/, '');
    if (!cur) {
      const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(body);
      if (!m) return;
      cur = { op: m[1].toUpperCase(), args: m[2], physical: [{ line, text: raw }] };
    } else {
      cur.args += ` ${body.trim()}`;
      cur.physical.push({ line, text: raw });
    }
    if (!continued) {
      out.push(cur);
      cur = undefined;
    }
  });
  if (cur) out.push(cur);
  return out;
}

function execForm(args: string): string {
  try {
    const v = JSON.parse(args);
    if (Array.isArray(v)) return v.join(' ');
  } catch {
    /* shell form */
  }
  return args;
}

/**
 * Reads a Dockerfile: build lines (RUN), the start command (ENTRYPOINT, CMD of the last stage) and the
 * scripts, supervisord and cron files the image copies from the repository, each line with its location.
 * `context` is the build context (a Compose `build.context`), else the Dockerfile's folder.
 */
export function readDockerfile(fs: ProjectFs, file: string, text: string, context?: string, supportFiles: string[] = []): ImageInfo {
  const idx = new LineIndex(text);
  const ins = instructions(text);
  const lastFrom = [...ins].reverse().find((i) => i.op === 'FROM');
  // The stages the final image is made of: the last one and the stages it is built FROM (`FROM base AS app`).
  const stages: { name?: string; base: string; start: number; end: number }[] = [];
  ins.forEach((i, n) => {
    if (i.op !== 'FROM') return;
    if (stages.length) stages[stages.length - 1].end = n;
    const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(i.args.trim());
    stages.push({ base: m?.[1] ?? '', name: m?.[2]?.toLowerCase(), start: n, end: ins.length });
  });
  const inFinal = new Set<number>();
  let st: (typeof stages)[number] | undefined = stages[stages.length - 1];
  for (let guard = 0; st && guard < 20; guard++) {
    const cur: (typeof stages)[number] = st;
    for (let n = cur.start; n < cur.end; n++) inFinal.add(n);
    st = stages.find((x) => x.name && x.name === cur.base.toLowerCase() && x !== cur);
  }
  if (!stages.length) ins.forEach((_i, n) => inFinal.add(n));
  const baseImage = stages.length ? stages.filter((st) => inFinal.has(st.start)).map((st) => st.base).join(' ') : '';
  const loc = (line: number): Location => idx.lineLocation(file, line);
  const lines: ImageLine[] = [];
  const env: EnvVar[] = [];
  const ctx = context ?? (path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file));
  const copies: { src: string; dest: string }[] = [];
  let entrypoint = '';
  let cmd = '';
  let app = APP_BASE.test(baseImage);
  ins.forEach((i, n) => {
    const last = inFinal.has(n);
    if (i.op === 'RUN') {
      // Build lines of every stage count for config:cache (a builder stage may cache it); only the final image's say it is the app.
      if (last && APP_BUILD.test(i.args)) app = true;
      for (const p of i.physical) lines.push({ text: p.text, loc: loc(p.line), source: `${file} RUN`, runtime: false, part: 'build' });
    } else if ((i.op === 'CMD' || i.op === 'ENTRYPOINT') && last) {
      const part = i.op === 'CMD' ? 'cmd' : 'entrypoint';
      // A later CMD/ENTRYPOINT replaces an earlier one.
      for (let k = lines.length - 1; k >= 0; k--) if (lines[k].part === part && lines[k].source === `${file} ${i.op}`) lines.splice(k, 1);
      for (const p of i.physical) lines.push({ text: p.text, loc: loc(p.line), source: `${file} ${i.op}`, runtime: true, part });
      if (part === 'cmd') cmd = execForm(i.args);
      else entrypoint = execForm(i.args);
    } else if ((i.op === 'COPY' || i.op === 'ADD') && last && !/--from=/.test(i.args)) {
      const parts = i.args.replace(/--[\w-]+=\S+/g, '').trim().split(/\s+/);
      if (parts.length >= 2 && !parts[0].startsWith('[')) {
        const dest = parts[parts.length - 1];
        for (const src of parts.slice(0, -1)) copies.push({ src, dest });
      }
    } else if (i.op === 'ENV' && last) {
      const m = /^([A-Za-z_][\w]*)\s+([^=]*)$/.exec(i.args.trim());
      const pairs = m ? [[m[1], m[2]]] : [...i.args.matchAll(/([A-Za-z_][\w]*)=("(?:[^"\\]|\\.)*"|\S*)/g)].map((x) => [x[1], x[2].replace(/^"|"$/g, '')]);
      for (const [key, value] of pairs) env.push({ key, value, loc: loc(i.physical[0].line) });
    }
  });

  // Scripts and process-manager files the image copies in.
  const attached: string[] = [];
  const unread: string[] = [];
  const underCtx = (src: string) => path.posix.normalize(ctx ? `${ctx}/${src}` : src).replace(/^\.\//, '');
  for (const { src, dest } of copies) {
    if (src === '.' || src === './' || /[*?]/.test(src)) continue;
    // The build context is the Compose one, else the Dockerfile's folder, else (docker build -f ...) the root.
    const rel = [underCtx(src.replace(/\/$/, '')), path.posix.normalize(src.replace(/\/$/, '')).replace(/^\.\//, '')].find((c) => fs.exists(c)) ?? '';
    const kind = rel ? fs.exists(rel) : undefined;
    // A start script the image copies but the repository does not hold (generated, ignored): what it runs is unknown.
    if (!rel && /(?:\.sh|entrypoint[\w.-]*|start[\w.-]*)$/.test(src)) unread.push(src);
    // Support files found by the walk, or a script/config the image names explicitly in a folder the walk skips (.github/docker).
    if (kind === 'file' && (supportFiles.includes(rel) || SCRIPT_NAME.test(path.posix.basename(rel)))) attached.push(rel);
    else if (kind === 'dir') attached.push(...supportFiles.filter((f) => f.startsWith(`${rel}/`)));
    void dest;
  }
  // `COPY . .` then ENTRYPOINT ["docker/entrypoint.sh"]: scripts named by the start command.
  for (const token of `${entrypoint} ${cmd}`.split(/[\s"',[\]]+/)) {
    if (!/[\w.-]+\.sh$|\/[\w.-]*(?:entrypoint|start)[\w.-]*$/.test(token)) continue;
    const base = path.posix.basename(token);
    const cands = supportFiles.filter((f) => f === underCtx(token.replace(/^\.\//, '')) || path.posix.basename(f) === base);
    const direct = !token.startsWith('/') && fs.exists(underCtx(token.replace(/^\.\//, ''))) === 'file' ? underCtx(token.replace(/^\.\//, '')) : undefined;
    if (cands.length) attached.push(cands[0]);
    else if (direct) attached.push(direct);
  }
  const runsSupervisor = /supervisord|supervisor/.test(`${entrypoint} ${cmd}`);
  for (const rel of [...new Set(attached)]) {
    const read = fs.read(rel);
    if (!read.ok) continue;
    const base = path.posix.basename(rel);
    const isConf = /\[program:/.test(read.text);
    const isCron = /^(?:\S+\s+){5}\S/m.test(read.text) && /cron/i.test(rel);
    const isProcfile = base === 'Procfile';
    const part: ImageLine['part'] = entrypoint.includes(base) ? 'entrypoint' : cmd.includes(base) ? 'cmd' : isConf && /supervisor/.test(entrypoint) ? 'entrypoint' : 'cmd';
    if (isConf && !runsSupervisor && !/supervisor/.test(read.text)) continue;
    const sidx = new LineIndex(read.text);
    for (let l = 1; l <= sidx.lineCount; l++) {
      const t = sidx.lineText(l);
      if (!t.trim() || /^\s*[#;]/.test(t)) continue;
      if (isConf && !/^\s*command\s*=/.test(t)) continue;
      lines.push({ text: t, loc: sidx.lineLocation(rel, l), source: isConf ? `${rel} (supervisord program)` : isCron ? `${rel} (crontab)` : isProcfile ? `${rel} (Procfile in the image)` : rel, runtime: true, part });
    }
  }
  const all = lines.map((l) => l.text).join('\n');
  return {
    file,
    app,
    laravel: /\bartisan\b|laravel/i.test(all) || /laravel/i.test(lastFrom?.args ?? ''),
    from: lastFrom ? loc(lastFrom.physical[0].line) : idx.lineLocation(file, 1),
    lines,
    env,
    base: baseImage,
    ...(unread.length ? { unreadScripts: unread } : {}),
  };
}
