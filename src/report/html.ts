import type { Finding, Severity } from '../engine/finding.js';
import type { CheckStatus, ChecklistItem, FormatInput } from './model.js';
import { checklistNotEvaluated, checklistSource, isUrl, plural, summaryLine, unresolvedValues } from './paths.js';

/** Project text in HTML text and attribute values: nothing in a file name, line of code or message becomes markup. */
export function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
const h = htmlEscape;

const STATUS_TEXT: Record<CheckStatus, string> = { pass: 'pass', fail: 'fail', unknown: 'unknown', none: 'none found' };
const STATUS_ICON: Record<CheckStatus, string> = { pass: '✓', fail: '✗', unknown: '?', none: '–' };
const SEVERITY_TEXT: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'info' };

const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.6rem;margin:.2em 0}
h2{font-size:1.25rem;margin:1.6em 0 .6em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
h3{font-size:1rem;margin:1.2em 0 .4em;overflow-wrap:anywhere}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
p,li,td,th,dd,dt,.wrap{overflow-wrap:anywhere}
.muted{color:#59636e}
.summary{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
.pill{display:inline-block;padding:2px 10px;border-radius:999px;font-weight:600;font-size:.85rem;white-space:nowrap}
.pill.error,.pill.fail{background:#ffebe9;color:#a40e26;border:1px solid #ff8182}
.pill.warning{background:#fff8c5;color:#7d4e00;border:1px solid #d4a72c}
.pill.info{background:#ddf4ff;color:#0550ae;border:1px solid #54aeff}
.pill.pass{background:#dafbe1;color:#116329;border:1px solid #4ac26b}
.pill.unknown{background:#eaeef2;color:#424a53;border:1px solid #afb8c1}
.pill.none{background:#f6f8fa;color:#424a53;border:1px solid #d0d7de}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 14px;margin:10px 0;min-width:0}
.score{display:flex;flex-wrap:wrap;gap:16px;align-items:center;justify-content:center}
.score svg{flex:none}
.checks{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,250px),1fr));gap:10px;flex:1 1 300px;min-width:0}
.check{display:flex;gap:10px;align-items:flex-start;background:#fff;border:1px solid #d0d7de;border-left-width:6px;border-radius:8px;padding:10px;min-width:0}
.check.pass{border-left-color:#1a7f37}.check.fail{border-left-color:#cf222e}.check.unknown{border-left-color:#8c959f}.check.none{border-left-color:#d0d7de}
.icon{flex:none;width:28px;height:28px;border-radius:50%;color:#fff;font-weight:700;display:flex;align-items:center;justify-content:center}
.icon.pass{background:#1a7f37}.icon.fail{background:#cf222e}.icon.unknown{background:#8c959f}.icon.none{background:#afb8c1}
.check .body{min-width:0}
.check .label{font-weight:600}
.check code{display:block;overflow-wrap:anywhere;white-space:pre-wrap}
.finding{border-left:6px solid #d0d7de}
.finding.error{border-left-color:#cf222e}.finding.warning{border-left-color:#d4a72c}.finding.info{border-left-color:#54aeff}
.finding header{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:baseline}
.rule{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem;color:#59636e;overflow-wrap:anywhere}
.loc{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem;overflow-wrap:anywhere}
.msg{margin:.4em 0}
pre.code{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px 0;overflow-x:auto;tab-size:4;margin:.5em 0}
pre.code span.line{display:block;padding:0 10px;min-width:max-content}
pre.code span.hit{background:#fff8c5}
pre.code .num{display:inline-block;min-width:4ch;color:#8c959f;text-align:right;margin-right:1ch;user-select:none}
pre.code mark{background:#ffcecb;color:inherit;border-radius:2px}
pre.block{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px 10px;overflow-x:auto;white-space:pre;margin:.4em 0}
.fix{background:#f0f6ff;border:1px solid #9ec5fe;border-radius:6px;padding:8px 10px;margin:.5em 0}
.how{margin:.4em 0 0}
ul.related{margin:.3em 0;padding-left:1.2em}
.tablewrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;table-layout:fixed;background:#fff}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
td code{overflow-wrap:anywhere;white-space:pre-wrap}
footer{margin:2em 0 1em;color:#59636e;font-size:.85rem}
@media (max-width:600px){main{padding:10px}h1{font-size:1.3rem}.score svg{width:96px;height:96px}}
`;

/** The checklist as a ring: one arc per row, coloured by status, with "passed / rows" in the middle. */
function scoreRing(items: ChecklistItem[]): string {
  const r = 52;
  const c = 2 * Math.PI * r;
  const n = items.length;
  const gap = n > 1 ? 3 : 0;
  const colour: Record<CheckStatus, string> = { pass: '#1a7f37', fail: '#cf222e', unknown: '#8c959f', none: '#d0d7de' };
  const arcs = items
    .map((item, i) => {
      const len = c / n - gap;
      return `<circle r="${r}" cx="64" cy="64" fill="none" stroke="${colour[item.status]}" stroke-width="16" stroke-dasharray="${len.toFixed(2)} ${(c - len).toFixed(2)}" stroke-dashoffset="${(-(c / n) * i).toFixed(2)}" transform="rotate(-90 64 64)"><title>${h(item.label)}: ${STATUS_TEXT[item.status]}</title></circle>`;
    })
    .join('');
  const passed = items.filter((i) => i.status === 'pass').length;
  return `<svg class="ring" width="128" height="128" viewBox="0 0 128 128" role="img" aria-label="${passed} of ${n} checklist rows pass">${arcs}<text x="64" y="62" text-anchor="middle" font-size="26" font-weight="700" fill="#1f2328">${passed}/${n}</text><text x="64" y="84" text-anchor="middle" font-size="12" fill="#59636e">pass</text></svg>`;
}

function checklist(input: FormatInput): string {
  const items = input.report.checklist;
  const notEvaluated = checklistNotEvaluated(input);
  if (notEvaluated) return `<section id="checklist"><h2>Statelessness checklist</h2><div class="card"><p class="muted wrap">${h(notEvaluated)}</p></div></section>`;
  if (!items.length) return '';
  const rows = items
    .map((item) => {
      const src = checklistSource(input, item.value);
      return `<div class="check ${item.status}" data-status="${item.status}" data-category="${h(item.category)}"><span class="icon ${item.status}" aria-hidden="true">${STATUS_ICON[item.status]}</span><div class="body"><div class="label">${h(item.label)} <span class="pill ${item.status}">${STATUS_TEXT[item.status]}</span></div><code>${h(item.value)}</code>${src ? `<div class="muted wrap">from ${h(`${src.file}:${src.line}`)}</div>` : ''}</div></div>`;
    })
    .join('\n');
  return `<section id="checklist"><h2>Statelessness checklist</h2><div class="card score">${scoreRing(items)}<div class="checks">\n${rows}\n</div></div></section>`;
}

/** Lines longer than this are cut to a window in excerpts. */
const LONG = 1000;

/** Lines around the finding with the reported range marked (columns are UTF-16 units, as JavaScript strings). */
function excerpt(input: FormatInput, f: Finding): string {
  const l = f.location;
  if (isUrl(l.file)) return '';
  const at = input.lineText(l.file, l.line);
  if (at === undefined) return '';
  const lines: string[] = [];
  // Context after the line stops at the first missing line and drops blank lines at the end of the excerpt.
  let last = l.line;
  for (let n = l.line + 1; n <= l.line + 2 && input.lineText(l.file, n) !== undefined; n++) if (input.lineText(l.file, n)!.trim()) last = n;
  for (let n = Math.max(1, l.line - 2); n <= last; n++) {
    const text = n === l.line ? at : input.lineText(l.file, n);
    if (text === undefined) continue;
    // A long line (minified code) is shown as a window around the finding: thousands of findings on one
    // 1 MB line must not copy the line into the page once each.
    let body = h(text.length > LONG ? `${text.slice(0, LONG)}...` : text);
    if (n === l.line) {
      const start = Math.max(0, l.column - 1);
      const end = l.endLine === l.line ? Math.max(start + 1, l.endColumn - 1) : text.length;
      const from = text.length > LONG ? Math.max(0, start - 200) : 0;
      const to = text.length > LONG ? Math.min(text.length, Math.max(end, start + 1) + 200, start + LONG) : text.length;
      const cut = Math.min(end, to);
      body = `${from > 0 ? '...' : ''}${h(text.slice(from, start))}<mark>${h(text.slice(start, cut))}</mark>${h(text.slice(cut, to))}${to < text.length ? '...' : ''}`;
    }
    lines.push(`<span class="line${n === l.line ? ' hit' : ''}"><span class="num">${n}</span>${body}</span>`);
  }
  return `<pre class="code">${lines.join('')}</pre>`;
}

function fixBox(f: Finding): string {
  if (!f.fix) return '';
  const how = f.fix.applicability === 'safe' ? 'statelint --fix applies it' : f.fix.applicability === 'unsafe' ? 'statelint --fix --unsafe-fixes applies it (review it)' : 'a suggestion: apply it by hand';
  const edits = f.fix.edits
    .map((e) => `<div class="muted wrap">${h(e.file)}: ${e.text ? `replace ${e.range[1] - e.range[0]} characters at offset ${e.range[0]} with` : `delete ${e.range[1] - e.range[0]} characters at offset ${e.range[0]}`}</div>${e.text ? `<pre class="block">${h(e.text)}</pre>` : ''}`)
    .join('');
  return `<div class="fix"><strong>Fix (${h(f.fix.applicability)}):</strong> ${h(f.fix.title)} <span class="muted">(${how})</span>${edits}</div>`;
}

function finding(input: FormatInput, f: Finding, index: number): string {
  const l = f.location;
  const loc = isUrl(l.file) ? l.file : `${l.file}:${l.line}:${l.column}`;
  const related = f.related.length ? `<ul class="related">${f.related.map((r) => `<li><span class="loc">${h(`${r.file}:${r.line}`)}</span> ${h(r.message)}</li>`).join('')}</ul>` : '';
  return `<article class="card finding ${f.severity}" id="finding-${index + 1}" data-rule="${h(f.ruleId)}" data-fingerprint="${h(f.fingerprint)}">
<header><span class="pill ${f.severity}">${SEVERITY_TEXT[f.severity]}</span><span class="rule">${h(f.ruleId)}</span><span class="loc">${h(loc)}</span></header>
<p class="msg">${h(f.message)}</p>${excerpt(input, f)}${related}${fixBox(f)}
<p class="how"><strong>How to fix:</strong> ${h(f.remediation)}</p>
</article>`;
}

function findings(input: FormatInput): string {
  const { report } = input;
  if (!report.findings.length) return `<section id="findings"><h2>Findings</h2><p class="card">${h(summaryLine(input))}.</p></section>`;
  const byFile = new Map<string, { f: Finding; i: number }[]>();
  report.findings.forEach((f, i) => byFile.set(f.location.file, [...(byFile.get(f.location.file) ?? []), { f, i }]));
  const groups = [...byFile]
    .map(([file, list]) => `<h3>${h(file)} <span class="muted">(${plural(list.length, 'finding')})</span></h3>\n${list.map(({ f, i }) => finding(input, f, i)).join('\n')}`)
    .join('\n');
  return `<section id="findings"><h2>Findings</h2>\n${groups}\n</section>`;
}

function live(input: FormatInput): string {
  const results = (input.report.project as { live?: Record<string, unknown> }).live;
  if (!results && input.report.command !== 'live') return '';
  const parts = Object.entries(results ?? {}).map(([key, value]) => `<h3>${h(key)}</h3><pre class="block">${h(typeof value === 'string' ? value : JSON.stringify(value, null, 2))}</pre>`);
  return `<section id="live"><h2>Live results</h2><p class="muted">${h(summaryLine(input))}; the findings above name the node or store they are about.</p>${parts.join('\n')}</section>`;
}

function notAnalysed(input: FormatInput): string {
  const { report } = input;
  const unresolved = unresolvedValues(input);
  const items = [
    ...report.errors.map((e) => `<li><span class="loc">${h(e.file)}</span>: ${h(e.message)}</li>`),
    ...report.skipped.map((s) => `<li><span class="loc">${h(s.file)}</span>: skipped, ${h(s.reason)}</li>`),
    ...unresolved.map((u) => `<li><code>${h(u.key)}</code> not resolved: ${h(u.reason)}${u.source ? ` <span class="loc">(${h(`${u.source.file}:${u.source.line}`)})</span>` : ''}</li>`),
  ];
  return items.length ? `<section id="not-analysed"><h2>Not fully analysed</h2><ul class="card">${items.join('')}</ul></section>` : '';
}

function effectiveConfig(input: FormatInput): string {
  const entries = Object.entries(input.report.effectiveConfig);
  if (!entries.length) return '';
  const rows = entries
    .map(([key, v]) => `<tr><td><code>${h(key)}</code></td><td><code>${v.unknown !== undefined ? `unknown: ${h(v.unknown)}` : h(JSON.stringify(v.value))}</code></td><td class="loc">${v.source ? h(`${v.source.file}:${v.source.line}`) : ''}</td></tr>`)
    .join('\n');
  return `<section id="config"><h2>Resolved configuration</h2><div class="tablewrap"><table><thead><tr><th>Key</th><th>Value</th><th>From</th></tr></thead><tbody>\n${rows}\n</tbody></table></div></section>`;
}

/**
 * One self-contained page: inline CSS, no scripts, no fonts, images or links to fetch (a Content-Security-Policy
 * of default-src 'none' makes sure of it), every piece of project text escaped.
 */
export function formatHtml(input: FormatInput): string {
  const { report } = input;
  const { error, warning, info, filesScanned } = report.summary;
  const title = report.command === 'live' ? 'statelint live check' : 'statelint audit';
  const meta = [`statelint ${report.tool.version}`, report.ecosystems.length ? `ecosystem: ${report.ecosystems.join(', ')}` : '', `${filesScanned} ${report.command === 'live' ? 'targets' : 'files'} checked`, `${report.summary.durationMs} ms`].filter(Boolean);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<title>${h(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header id="summary"><h1>${h(title)}</h1>
<p class="muted wrap">${h(meta.join(' · '))}</p>
<div class="summary"><span class="pill error">${plural(error, 'error')}</span><span class="pill warning">${plural(warning, 'warning')}</span><span class="pill info">${info} info</span>${report.suppressed.length ? `<span class="pill unknown">${report.suppressed.length} suppressed</span>` : ''}</div>
<p class="wrap"><strong>${h(summaryLine(input))}</strong></p></header>
${checklist(input)}
${findings(input)}
${live(input)}
${notAnalysed(input)}
${effectiveConfig(input)}
<footer>Generated by statelint ${h(report.tool.version)}. Secret-looking values are redacted.</footer>
</main>
</body>
</html>
`;
}
