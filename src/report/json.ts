import type { FormatInput } from './model.js';

export function formatJson({ report }: FormatInput): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
