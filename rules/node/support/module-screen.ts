/**
 * Text screens for rules whose every finding is a call that resolves to a module (`mayReport`, exact or wider than
 * checkFile): a qualified name (`knex#`, `multer#diskStorage`) only ever comes from the file's own `import ... from 'm'`,
 * `import x = require('m')`, `require('m')` or `import('m')` with the name as a plain string, so a file without one
 * of these for the rule's modules cannot hold a finding. A comment between the keyword and the string, or escapes
 * (`'\x6bnex'`), are not read here: such files pass.
 */
export function importsOneOf(modules: string[]): RegExp {
  const names = modules.map((m) => m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');
  return new RegExp(`(?:\\bfrom|\\brequire\\s*\\(|\\bimport\\s*\\(?)\\s*(?:['"\`](?:${names})['"\`]|\\/[/*])|\\\\[ux]`);
}
