import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';

const schema = JSON.parse(readFileSync(path.resolve(__dirname, '../../schemas/report-v1.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** Problems with a report against schemas/report-v1.schema.json (empty = valid). */
export function schemaErrors(report: unknown): string[] {
  return validate(report) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
