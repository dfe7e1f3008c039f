import type { LaravelFacts } from '../../../src/ecosystems/laravel/facts.js';
import type { Val } from '../../../src/engine/values.js';
import { display, str } from './config.js';

/** Monolog handlers that write to a file path. */
export const FILE_HANDLERS = /(^|\\)(StreamHandler|RotatingFileHandler)$/;

/** Streams that are the process's own output (how containers log), never a file on the server. */
export const PROCESS_STREAM = /^(?:php:\/\/(?:stderr|stdout|output)|\/dev\/(?:stderr|stdout)|\/proc\/self\/fd\/[12])$/;

/** A channel (reached from a default channel or a stack) that writes files on the server it runs on. */
export interface LocalLeaf {
  channel: string;
  /** The value that selected this channel (default channel, or an entry of a stack's channel list). */
  selectedBy: Val;
  /** "daily file storage/logs/laravel.log", "StreamHandler to /var/log/app.log". */
  target: string;
  /** The stacks passed through on the way ("stack (stack)"). */
  chain: string[];
  /** The config value that decides where the file goes (path or stream), for related locations. */
  decidedBy?: Val;
}

/**
 * The file-writing channels that logging channel `name` ends up in, following stacks (each channel once).
 * Channels that go to stderr/stdout, syslog, errorlog, Slack, Papertrail or an unknown place are not listed:
 * a rule never reports a guess.
 */
export function localLeaves(laravel: LaravelFacts, name: string, selectedBy: Val, chain: string[] = [], seen = new Set<string>()): LocalLeaf[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const get = (k: string) => laravel.config.get(`logging.channels.${name}${k ? `.${k}` : ''}`);
  const channel = get('');
  if (!channel || channel.t !== 'array') return [];
  const driver = str(get('driver'));
  const path = get('path');
  if (driver === 'stack') {
    const members = get('channels');
    if (!members || members.t !== 'array') return [];
    return members.entries.flatMap((e) => {
      const member = str(e.value);
      return member ? localLeaves(laravel, member.trim(), e.value, [...chain, `${name} (stack)`], seen) : [];
    });
  }
  // A single channel pointed at php://stdout or php://stderr is how containers log: not a file.
  if (driver === 'single' && PROCESS_STREAM.test(str(path) ?? '')) return [];
  if (driver === 'single' || driver === 'daily') return [{ channel: name, selectedBy, target: `${driver} file ${display(path)}`, chain, decidedBy: path }];
  if (driver === 'monolog') {
    const handler = str(get('handler'));
    if (!handler || !FILE_HANDLERS.test(handler)) return [];
    const streamVal = [get('with.stream'), get('handler_with.stream'), get('with.filename')].find((v) => str(v) !== undefined);
    const stream = str(streamVal);
    if (!stream || PROCESS_STREAM.test(stream)) return [];
    return [{ channel: name, selectedBy, target: `${handler.split('\\').pop()} to ${stream}`, chain, decidedBy: streamVal }];
  }
  return [];
}
