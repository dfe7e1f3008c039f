/**
 * The format registry (docs/ARCHITECTURE.md, "Formats"): `--format` choices, the Format type and render() all
 * come from here. Adding a format is one entry; nothing else switches on format names.
 */
import type { ChalkInstance } from 'chalk';
import { formatGithub } from './github.js';
import { formatHtml } from './html.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatMarkdown } from './markdown.js';
import type { FormatInput } from './model.js';
import { formatPretty } from './pretty.js';
import { formatSarif } from './sarif.js';

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
  render(input: FormatInput, chalk: ChalkInstance): string;
}

export const FORMATS = {
  pretty: { description: 'grouped by file with excerpts, the checklist and a summary (default)', colored: true, terminal: true, repositoryPaths: false, extension: 'txt', render: formatPretty },
  json: { description: 'the report, schemaVersion 1 (schemas/report-v1.schema.json)', colored: false, terminal: false, repositoryPaths: false, extension: 'json', render: formatJson },
  sarif: { description: 'SARIF 2.1.0 for GitHub code scanning and other SARIF viewers', colored: false, terminal: false, repositoryPaths: true, extension: 'sarif', render: formatSarif },
  github: { description: 'GitHub Actions workflow commands: annotations on the changed files', colored: false, terminal: false, repositoryPaths: true, extension: 'txt', render: formatGithub },
  junit: { description: 'JUnit XML for CI test views (one suite per rule, plus the checklist)', colored: false, terminal: false, repositoryPaths: true, extension: 'xml', render: formatJunit },
  markdown: { description: 'checklist and findings tables for $GITHUB_STEP_SUMMARY and pull-request comments', colored: false, terminal: false, repositoryPaths: true, extension: 'md', render: formatMarkdown },
  html: { description: 'one self-contained page: the checklist as a picture, findings with excerpts and fixes', colored: false, terminal: false, repositoryPaths: false, extension: 'html', render: formatHtml },
} as const satisfies Record<string, Formatter>;

export type Format = keyof typeof FORMATS;

/** Every format id, in the order `--help` lists them. */
export const FORMAT_IDS = Object.keys(FORMATS) as Format[];

export function formatter(id: Format): Formatter {
  return FORMATS[id];
}
