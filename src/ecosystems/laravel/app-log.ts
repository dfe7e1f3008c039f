import { asString, type Val } from '../../engine/values.js';
import type { ProjectFs } from '../../project/fs.js';
import type { LaravelFacts } from './facts.js';

/**
 * Laravel 5.0-5.5 configure logging from config/app.php: Foundation\Bootstrap\ConfigureLogging calls
 * configure<Log>Handler for config('app.log'): single and daily write storage/logs/laravel.log (daily
 * dated), syslog and errorlog hand the lines to the system. config/logging.php (5.6+) is never read.
 * A Monolog configurator registered in bootstrap/app.php replaces all of that.
 */
export interface AppLogging {
  /**
   * The app sets logging up itself: `$app->configureMonologUsing(...)` in bootstrap/app.php, or a Kernel whose
   * `$bootstrappers` list its own ConfigureLogging in place of the framework's.
   */
  configurator?: { file: string; line: number; how: string };
}

/** Comments out, so a commented-out call is not read as code. */
export function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"\\])(?:\/\/|#(?!\[)).*$/gm, '$1');
}

/**
 * Whether this app's Laravel logs through config('app.log'): a version pinned at 5.5 or below, or a 5.x
 * range starting at 5.5 or below in an app with no config/logging.php (every 5.6+ app has one: the upgrade
 * guide adds it).
 */
export function logsThroughAppConfig(version: string | undefined, major: number | undefined, hasLoggingConfig: boolean): boolean {
  if (major !== 5 || !version) return false;
  const m = /(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const minor = Number(m[2]);
  // Exact (composer.lock, Application::VERSION), 5.5.*, 5.5.x-dev or ~5.5.0: the minor is fixed.
  const pinned = /^v?\d+\.\d+(?:\.[\d*x]+)?(?:-[\w.]+)?$/i.test(version.trim()) || /^~\s*\d+\.\d+\.\d+/.test(version.trim());
  return minor <= 5 && (pinned || !hasLoggingConfig);
}

const FRAMEWORK_BOOTSTRAPPER = /^\\?Illuminate\\Foundation\\Bootstrap\\ConfigureLogging::class$/;

export function appLogging(fs: ProjectFs): AppLogging {
  const code = (file: string) => {
    const read = fs.exists(file) === 'file' ? fs.read(file) : undefined;
    return read?.ok ? withoutComments(read.text) : undefined;
  };
  const lineAt = (text: string, at: number) => text.slice(0, at).split('\n').length;
  const boot = code('bootstrap/app.php');
  const at = boot?.search(/->\s*configureMonologUsing\s*\(/) ?? -1;
  if (boot && at >= 0) return { configurator: { file: 'bootstrap/app.php', line: lineAt(boot, at), how: 'configureMonologUsing' } };
  for (const file of ['app/Http/Kernel.php', 'app/Console/Kernel.php']) {
    const text = code(file);
    const list = text && /\$bootstrappers\s*=\s*\[([^\]]*)\]/.exec(text);
    if (!text || !list) continue;
    for (const entry of list[1].split(',').map((e) => e.trim())) {
      if (!/Logging/i.test(entry)) continue;
      // `ConfigureLogging::class` imported from the framework is the framework's own.
      const short = /^(\w+)::class$/.exec(entry)?.[1];
      const imported = short && new RegExp(`use\\s+\\\\?Illuminate\\\\Foundation\\\\Bootstrap\\\\ConfigureLogging(?:\\s+as\\s+${short})?\\s*;`).test(text) && (short === 'ConfigureLogging' || new RegExp(`as\\s+${short}\\s*;`).test(text));
      if (FRAMEWORK_BOOTSTRAPPER.test(entry) || imported) continue;
      return { configurator: { file, line: lineAt(text, list.index + text.slice(list.index).indexOf(entry)), how: `its own bootstrapper ${entry}` } };
    }
  }
  return {};
}

/** Where config('app.log') sends the logs: a file on this server, the system, or not known (with why). */
export interface AppLogTarget {
  setting?: Val;
  name?: string;
  /** "daily files storage/logs/laravel-YYYY-MM-DD.log": set when the framework writes a local file. */
  file?: string;
  /** Why the destination is not known (one line). */
  unknown?: string;
}

export function appLogTarget(laravel: LaravelFacts): AppLogTarget | undefined {
  const logging = laravel.appLogging;
  if (!logging) return undefined;
  const setting = laravel.config.get('app.log');
  if (logging.configurator) {
    const { file, line, how } = logging.configurator;
    return { setting, unknown: `${file}:${line} sets logging up itself (${how}): where config('app.log') sends the logs is not known` };
  }
  const name = asString(setting);
  if (!name) {
    const why = !setting ? 'not set in config/app.php' : setting.t === 'unknown' ? setting.why : 'not a name';
    return { setting, unknown: `app.log unknown (${why}): Laravel 5.5 and earlier read it to choose single, daily, syslog or errorlog` };
  }
  // PHP method names ignore case: configureDAILYHandler is configureDailyHandler.
  switch (name.toLowerCase()) {
    case 'single':
      return { setting, name, file: 'single file storage/logs/laravel.log' };
    case 'daily':
      return { setting, name, file: 'daily files storage/logs/laravel-YYYY-MM-DD.log' };
    case 'syslog':
    case 'errorlog':
      return { setting, name };
    default:
      return { setting, name, unknown: `app.log = ${name} is not a handler Laravel 5.5 knows (single, daily, syslog, errorlog)` };
  }
}
