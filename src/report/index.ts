/**
 * The format registry (docs/ARCHITECTURE.md, "Formats"): `--format` choices, the Format type and render() all
 * come from here. Adding a format is one entry; nothing else switches on format names. Each entry names its
 * module's loader rather than importing it: a run loads only the format it prints (`-f json` never loads
 * the HTML page or SARIF), while the ids and descriptions stay here for `--format` validation and help.
 * JSON (a dozen lines, what hooks and CI print) is imported here: its own module would be one more file to load.
 */
import type { ChalkInstance } from 'chalk';
import { formatJson } from './json.js';
import type { FormatInput } from './model.js';

export interface Formatter {
  description: string;
  /** Uses terminal colours (chalk follows --color/--no-color, NO_COLOR, FORCE_COLOR, TTY); the others never colour. */
  colored: boolean;
  /** For a person at a terminal; the others are files for tools and pages (`-o report.html`), also fine on stdout. */
  terminal: boolean;
  /** Paths from the repository root instead of the audited folder (what GitHub attaches annotations and alerts to). */
  repositoryPaths: boolean;
  /** File extension for `-o`, for documentation. */
  extension: string;
  /** `chalk` is given to coloured formats only (the others never load it). */
  render(input: FormatInput, chalk?: ChalkInstance): string;
}

/** A registry entry: what a formatter is, and how to load its render function. */
export type FormatEntry = Omit<Formatter, 'render'> & { load(): Promise<Formatter['render']> };

export const FORMATS = {
  pretty: { description: 'grouped by file with excerpts, the checklist and a summary (default)', colored: true, terminal: true, repositoryPaths: false, extension: 'txt', load: async () => (await import('./pretty.js')).formatPretty },
  json: { description: 'the report, schemaVersion 1 (schemas/report-v1.schema.json)', colored: false, terminal: false, repositoryPaths: false, extension: 'json', load: async () => formatJson },
  sarif: { description: 'SARIF 2.1.0 for GitHub code scanning and other SARIF viewers', colored: false, terminal: false, repositoryPaths: true, extension: 'sarif', load: async () => (await import('./sarif.js')).formatSarif },
  github: { description: 'GitHub Actions workflow commands: annotations on the changed files', colored: false, terminal: false, repositoryPaths: true, extension: 'txt', load: async () => (await import('./github.js')).formatGithub },
  junit: { description: 'JUnit XML for CI test views (one suite per rule, plus the checklist)', colored: false, terminal: false, repositoryPaths: true, extension: 'xml', load: async () => (await import('./junit.js')).formatJunit },
  markdown: { description: 'checklist and findings tables for $GITHUB_STEP_SUMMARY and pull-request comments', colored: false, terminal: false, repositoryPaths: true, extension: 'md', load: async () => (await import('./markdown.js')).formatMarkdown },
  html: { description: 'one self-contained page: the checklist as a picture, findings with excerpts and fixes', colored: false, terminal: false, repositoryPaths: false, extension: 'html', load: async () => (await import('./html.js')).formatHtml },
} as const satisfies Record<string, FormatEntry>;

export type Format = keyof typeof FORMATS;

/** Every format id, in the order `--help` lists them. */
export const FORMAT_IDS = Object.keys(FORMATS) as Format[];

/** The formatter of a registered format, its module loaded on first use. */
export async function formatter(id: Format): Promise<Formatter> {
  const { load, ...entry } = FORMATS[id] as FormatEntry;
  return { ...entry, render: await load() };
}
