import type { LaravelFacts } from '../../../src/ecosystems/laravel/facts.js';
import type { RelatedLocation } from '../../../src/engine/finding.js';
import type { ReportInput } from '../../../src/engine/rule.js';
import { asString, describeOrigin, type Val } from '../../../src/engine/values.js';

/** A database connection that is a SQLite file on this server's disk. */
export interface LocalSqlite {
  /** The connection name ('sqlite'). */
  name: string;
  /** The value that chose the connection (the store's own `connection` key, else database.default). */
  chosenBy: Val;
  /** The database file, when known. */
  file?: string;
}

/**
 * The connection `connectionKey` names (or database.default when that key is unset or null), when it is
 * a SQLite file on local disk: driver sqlite, no url (a URL can be a remote libSQL/Turso server), not :memory:.
 * Unknown values give undefined: a rule never reports a guess.
 */
export function localSqliteConnection(laravel: LaravelFacts, connectionKey?: string): LocalSqlite | undefined {
  const own = connectionKey ? laravel.config.get(connectionKey) : undefined;
  if (own && own.t === 'unknown') return undefined;
  const chosenBy = own && asString(own) ? own : laravel.config.get('database.default');
  const name = asString(chosenBy);
  if (!chosenBy || !name) return undefined;
  if (asString(laravel.config.get(`database.connections.${name}.driver`)) !== 'sqlite') return undefined;
  const url = laravel.config.get(`database.connections.${name}.url`);
  if (url && url.t !== 'scalar') return undefined;
  if (asString(url)) return undefined;
  const database = laravel.config.get(`database.connections.${name}.database`);
  if (database?.t === 'unknown') return undefined;
  const file = asString(database);
  if (file === ':memory:') return undefined;
  return { name, chosenBy, file };
}

function relatedOfConnection(sqlite: LocalSqlite, what: Val): RelatedLocation[] {
  const o = sqlite.chosenBy.origin;
  if (o.file.startsWith('(') || (o.file === what.origin.file && o.line === what.origin.line)) return [];
  return [{ file: o.file, line: o.line, message: `connection '${sqlite.name}' is SQLite${sqlite.file ? ` (${sqlite.file})` : ''} on this server's disk (${describeOrigin(sqlite.chosenBy)})` }];
}

/**
 * The finding for a store that uses the `database` driver on a local SQLite file (sessions, cache, queue):
 * it points at the value that chose the database driver, with the SQLite connection as a related line.
 * `what` is the value that chose the driver (session.driver, cache.default, queue.default).
 */
export function sqliteBackedFinding(
  laravel: LaravelFacts,
  what: Val,
  opts: { label: string; key: string; connectionKey: string; consequence: string },
): ReportInput<never> | undefined {
  const sqlite = localSqliteConnection(laravel, opts.connectionKey);
  if (!sqlite) return undefined;
  return {
    value: what,
    message:
      `${opts.label} use the database driver on the SQLite connection '${sqlite.name}'${sqlite.file ? ` (${sqlite.file})` : ''}, a file on this server's disk ` +
      `(${opts.key} = ${asString(what)}: ${describeOrigin(what)}): ${opts.consequence}`,
    related: relatedOfConnection(sqlite, what),
    remediation:
      `Point the database connection at a server every node reaches (DB_CONNECTION=mysql, mariadb or pgsql with DB_HOST), ` +
      `or move ${opts.label.toLowerCase()} to redis.`,
  };
}
