import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { audit, loadRules, type AuditOptions } from '../../src/api/index.js';
import { toBaseline } from '../../src/engine/baseline.js';
import { ROW_RULES } from '../../src/ecosystems/laravel/checklist.js';

/**
 * The Laravel checklist tells the truth (issue 9): a row passes only on known values and evidence that was
 * read, shown and checked; "no scheduled tasks" is its own state; every unknown value says which key, why,
 * and how to state it.
 */
const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

const STATELESS_CONFIG: Record<string, string> = {
  artisan: '<?php\n',
  'composer.json': '{"require":{"laravel/framework":"^10.0"}}',
  'config/session.php': "<?php return ['driver' => env('SESSION_DRIVER', 'redis')];\n",
  'config/cache.php': "<?php return ['default' => 'redis', 'stores' => ['redis' => ['driver' => 'redis']]];\n",
  'config/filesystems.php': "<?php return ['default' => 's3', 'disks' => ['s3' => ['driver' => 's3']]];\n",
  'config/logging.php': "<?php return ['default' => 'stderr', 'channels' => ['stderr' => ['driver' => 'monolog', 'handler' => 'Monolog\\\\Handler\\\\StreamHandler', 'with' => ['stream' => 'php://stderr']]]];\n",
  'config/queue.php': "<?php return ['default' => 'redis', 'connections' => ['redis' => ['driver' => 'redis']]];\n",
  'config/database.php': "<?php return ['default' => 'pgsql', 'connections' => ['pgsql' => ['driver' => 'pgsql', 'host' => 'db.internal']]];\n",
};

const KERNEL = (body: string) => `<?php

namespace App\\Console;

use Illuminate\\Console\\Scheduling\\Schedule;
use Illuminate\\Foundation\\Console\\Kernel as ConsoleKernel;

class Kernel extends ConsoleKernel
{
    protected function schedule(Schedule $schedule): void
    {
${body}
    }
}
`;

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'statelint-checklist-'));
  scratch.push(dir);
  for (const [file, text] of Object.entries({ ...STATELESS_CONFIG, ...files })) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

async function rows(dir: string, options: Partial<AuditOptions> = {}) {
  const { report } = await audit({ path: dir, ...options });
  return Object.fromEntries(report.checklist.map((c) => [c.category, c]));
}

describe('Laravel checklist', () => {
  it('the rows rest on every Laravel rule of their category (ROW_RULES kept in step with rules/laravel/)', async () => {
    const rules = (await loadRules()).filter((r) => r.meta.ecosystem === 'laravel' && r.meta.category !== 'rate-limit');
    const byCategory: Record<string, string[]> = {};
    for (const r of rules) (byCategory[r.meta.category] ??= []).push(r.meta.id);
    const listed = Object.fromEntries(Object.entries(ROW_RULES).map(([k, v]) => [k, [...(v ?? [])].sort()]));
    expect(listed).toEqual(Object.fromEntries(Object.entries(byCategory).map(([k, v]) => [k, v.sort()])));
  });

  it('"no scheduled tasks" is its own state, not "every task on one server"', async () => {
    const none = await rows(project({ 'app/Console/Kernel.php': KERNEL("        // $schedule->command('inspire')->hourly();") }));
    expect(none.scheduler).toMatchObject({ status: 'none', value: 'no scheduled tasks' });
    // Every other row of this app passes: 'none' is only the scheduler's.
    expect(Object.values(none).filter((r) => r.category !== 'scheduler').map((r) => r.status)).toEqual(Array(7).fill('pass'));

    // Artisan::command() defines a console command, not a scheduled task.
    const console = await rows(project({ 'routes/console.php': "<?php\nuse Illuminate\\Support\\Facades\\Artisan;\nuse Illuminate\\Support\\Facades\\Schedule;\nArtisan::command('inspire', fn () => 1)->purpose('quote');\n" }));
    expect(console.scheduler.status).toBe('none');

    const locked = await rows(project({ 'app/Console/Kernel.php': KERNEL("        $schedule->command('reports:send')->daily()->onOneServer();") }));
    expect(locked.scheduler).toMatchObject({ status: 'pass', value: 'every task on one server' });

    const eleven = await rows(project({ 'routes/console.php': "<?php\nuse Illuminate\\Support\\Facades\\Schedule;\nSchedule::command('reports:send')->daily()->onOneServer();\n" }));
    expect(eleven.scheduler.status).toBe('pass');

    const everywhere = await rows(project({ 'app/Console/Kernel.php': KERNEL("        $schedule->command('reports:send')->daily();") }));
    expect(everywhere.scheduler).toMatchObject({ status: 'fail', value: '1 without onOneServer()' });
  });

  describe('"no scheduled tasks" only when no file of the app registers one', () => {
    const EMPTY_KERNEL = { 'app/Console/Kernel.php': KERNEL('') };
    const PROVIDER = (body: string) =>
      `<?php\nnamespace Acme\\Sync;\n\nuse Illuminate\\Console\\Scheduling\\Schedule;\nuse Illuminate\\Support\\ServiceProvider;\n\nclass SyncServiceProvider extends ServiceProvider\n{\n    public function boot(): void\n    {\n${body}\n    }\n}\n`;

    it('a package provider in the repository whose task the rule reports: as the rule says', async () => {
      const r = await rows(project({ ...EMPTY_KERNEL, 'packages/acme/sync/src/SyncServiceProvider.php': PROVIDER("        $this->callAfterResolving(Schedule::class, function (Schedule $schedule) {\n            $schedule->command('acme:sync')->hourly();\n        });") }));
      expect(r.scheduler).toMatchObject({ status: 'fail', value: '1 without onOneServer()' });
    });

    it('a provider outside app/Providers whose task is on one server: every task on one server', async () => {
      const r = await rows(project({ ...EMPTY_KERNEL, 'src/Sync/SyncServiceProvider.php': PROVIDER("        $this->callAfterResolving(Schedule::class, function (Schedule $schedule) {\n            $schedule->command('acme:sync')->hourly()->onOneServer();\n        });") }));
      expect(r.scheduler).toMatchObject({ status: 'pass', value: 'every task on one server' });
    });

    it('a scheduler the rules do not follow (resolved from the container into a local variable): unknown, never none', async () => {
      const r = await rows(project({ ...EMPTY_KERNEL, 'app/Support/Cron.php': PROVIDER("        $this->app->booted(function () {\n            $schedule = $this->app->make(Schedule::class);\n            $schedule->command('acme:sync')->hourly();\n        });") }));
      expect(r.scheduler.status).toBe('unknown');
      expect(r.scheduler.value).toBe("no task reported without onOneServer() (tasks registered outside the scheduler's entry points unknown (app/Support/Cron.php:13 ($schedule->command()): not confirmed to run on one server)");
    });

    it('a read of the scheduler, a test and an Artisan call stay none', async () => {
      const r = await rows(project({
        ...EMPTY_KERNEL,
        'app/Listeners/SkipInReadOnly.php': PROVIDER('        foreach (app(Schedule::class)->events() as $task) {\n            $task->skip(true);\n        }\n        $this->call(\'cache:clear\');'),
        'tests/Feature/ScheduleTest.php': PROVIDER("        $schedule = app(Schedule::class);\n        $schedule->command('x')->daily();"),
      }));
      expect(r.scheduler).toMatchObject({ status: 'none', value: 'no scheduled tasks' });
    });
  });

  it('Laravel 5.5 and earlier: the Logs row reads config/app.php\'s log setting, never config/logging.php', async () => {
    // STATELESS_CONFIG's config/logging.php logs to stderr: 5.5 never reads it.
    const legacy = (log: string, extra: Record<string, string> = {}) =>
      rows(project({ 'composer.json': '{"require":{"laravel/framework":"5.5.*"}}', 'config/app.php': `<?php return ['log' => ${log}];\n`, ...extra }));
    expect((await legacy("env('APP_LOG', 'daily')")).logs).toMatchObject({ status: 'fail', value: 'app.log = daily' });
    expect((await legacy("'single'")).logs).toMatchObject({ status: 'fail', value: 'app.log = single' });
    expect((await legacy("env('APP_LOG', 'errorlog')")).logs).toMatchObject({ status: 'pass', value: 'app.log = errorlog' });
    expect((await legacy("'syslog'")).logs.status).toBe('pass');
    const configurator = await legacy("'daily'", { 'bootstrap/app.php': "<?php\n$app = new App();\n$app->configureMonologUsing(function ($m) {});\nreturn $app;\n" });
    expect(configurator.logs).toMatchObject({ status: 'unknown', value: "bootstrap/app.php:3 sets logging up itself (configureMonologUsing): where config('app.log') sends the logs is not known" });
    // A Kernel that swaps the framework's ConfigureLogging for the app's own; the framework's own stays known.
    const kernel = (entry: string, use = '') => ({ 'app/Http/Kernel.php': `<?php\nnamespace App\\Http;\n${use}\nclass Kernel\n{\n    protected $bootstrappers = [\n        \\Illuminate\\Foundation\\Bootstrap\\LoadConfiguration::class,\n        ${entry},\n    ];\n}\n` });
    const own = await legacy("'daily'", kernel('\\App\\Bootstrap\\ConfigureLogging::class'));
    expect(own.logs).toMatchObject({ status: 'unknown', value: "app/Http/Kernel.php:8 sets logging up itself (its own bootstrapper \\App\\Bootstrap\\ConfigureLogging::class): where config('app.log') sends the logs is not known" });
    expect((await legacy("'daily'", kernel('ConfigureLogging::class', 'use Illuminate\\Foundation\\Bootstrap\\ConfigureLogging;'))).logs.status).toBe('fail');
    expect((await legacy("'daily'", kernel('\\Illuminate\\Foundation\\Bootstrap\\ConfigureLogging::class'))).logs.status).toBe('fail');
    const missing = await rows(project({ 'composer.json': '{"require":{"laravel/framework":"5.5.*"}}', 'config/app.php': "<?php return ['name' => 'x'];\n" }));
    expect(missing.logs.status).toBe('unknown');
    expect(missing.logs.value).toMatch(/^app\.log unknown \(not set in config\/app\.php\)/);
    // 5.6 reads config/logging.php: the stderr channel passes, whatever app.log says.
    const six = await rows(project({ 'composer.json': '{"require":{"laravel/framework":"5.6.*"}}', 'config/app.php': "<?php return ['log' => 'daily'];\n" }));
    expect(six.logs).toMatchObject({ status: 'pass', value: 'logging.default = stderr' });
  });

  it('explains each unknown value in one line: the key, why, and the flag that states it', async () => {
    const dir = project({
      'composer.json': '{"require":{"laravel/framework":"^10.0"},"autoload":{"files":["app/helpers.php"]}}',
      'app/helpers.php': "<?php\nfunction session_driver() { return app()->isProduction() ? 'redis' : 'file'; }\n",
      'config/session.php': "<?php return ['driver' => session_driver()];\n",
      'config/cache.php': "<?php return ['default' => 'redis', 'stores' => []];\n",
      'config/logging.php': "<?php return ['default' => 'stack', 'channels' => ['stack' => ['driver' => 'stack', 'channels' => ['stderr', 'files']], 'stderr' => ['driver' => 'errorlog']]];\n",
      'config/queue.php': "<?php return ['default' => env('QUEUE_CONNECTION'), 'connections' => ['redis' => ['driver' => 'redis']]];\n",
    });
    const r = await rows(dir);
    expect(r.sessions.status).toBe('unknown');
    expect(r.sessions.value).toBe('session.driver unknown (condition app()->isProduction() at app/helpers.php:2): state it with --assume session.driver=<driver>');
    expect(r.cache).toMatchObject({ status: 'unknown', value: 'cache.default = redis (cache.stores.redis.driver unknown (not set in any config file): state it with --assume cache.stores.redis.driver=<driver>)' });
    expect(r.logs.status).toBe('unknown');
    expect(r.logs.value).toContain("logging.channels.files unknown (the channel is not defined; Laravel then logs to storage/logs/laravel.log)");
    // An env variable that is not set: the fix is the env file, not --assume.
    expect(r.queue.status).toBe('unknown');
    expect(r.queue.value).toContain('set QUEUE_CONNECTION in the env file (or --env QUEUE_CONNECTION=<connection>)');
    for (const row of Object.values(r)) expect(row.value).not.toContain('\n');

    // Stating the values makes the rows decidable.
    const assumed = await rows(dir, { assume: { 'session.driver': 'redis', 'cache.stores.redis.driver': 'redis' }, env: { QUEUE_CONNECTION: 'redis' } });
    expect([assumed.sessions.status, assumed.cache.status, assumed.queue.status]).toEqual(['pass', 'pass', 'pass']);
  });

  describe('never passes on evidence that was hidden, turned off, not run or not read', () => {
    const FILE_SESSIONS = { 'config/session.php': "<?php return [\n    // statelint-ignore laravel/session-store-local -- sticky sessions on the load balancer\n    'driver' => 'file',\n];\n" };

    it('suppressed inline', async () => {
      const r = await rows(project(FILE_SESSIONS));
      expect(r.sessions).toMatchObject({ status: 'unknown', value: 'session.driver = file (1 suppressed)' });
    });

    it('baselined', async () => {
      const dir = project({ 'config/session.php': "<?php return ['driver' => 'file'];\n" });
      const first = await audit({ path: dir });
      expect(first.report.checklist.find((c) => c.category === 'sessions')?.status).toBe('fail');
      writeFileSync(path.join(dir, 'baseline.json'), JSON.stringify(toBaseline(first.report.findings)));
      const r = await rows(dir, { baseline: path.join(dir, 'baseline.json') });
      expect(r.sessions).toMatchObject({ status: 'unknown', value: 'session.driver = file (1 suppressed)' });
    });

    it('a rule turned off, or not run at all', async () => {
      const dir = project({ 'config/session.php': "<?php return ['driver' => 'file'];\n" });
      const off = await rows(dir, { severities: { 'laravel/session-store-local': 'off' } });
      expect(off.sessions).toMatchObject({ status: 'unknown', value: 'session.driver = file (laravel/session-store-local off)' });
      const some = (await loadRules()).filter((r) => r.meta.id === 'laravel/cache-store-local');
      const subset = await rows(dir, { rules: some });
      expect(subset.sessions).toMatchObject({ status: 'unknown', value: 'session.driver = file (laravel/session-store-local not run)' });
      expect(subset.cache.status).toBe('pass');
    });

    it('a config file or a code file that was not analysed (too large)', async () => {
      const big = `<?php return ['driver' => 'redis', 'pad' => '${'x'.repeat(4096)}'];\n`;
      const r = await rows(project({ 'config/session.php': big, 'app/Huge.php': `<?php // ${'x'.repeat(4096)}\n` }), { maxFileBytes: 2048 });
      expect(r.sessions.status).toBe('unknown');
      expect(r.sessions.value).toContain('config/session.php not analysed');
      expect(r.logs).toMatchObject({ status: 'unknown' });
      expect(r.logs.value).toContain('1 file not analysed');
    });

    it('an env file that was skipped, or a parse error in the row\'s config file', async () => {
      const r = await rows(project({ '.env': 'SESSION_DRIVER=redis\0\n', 'config/cache.php': "<?php return ['default' => 'redis', 'stores' => ['redis' => ['driver' => 'redis']]]\n$x = ;\n" }));
      expect(r.sessions.status).toBe('unknown');
      expect(r.sessions.value).toMatch(/\.env: env file skipped/);
      expect(r.cache.status).toBe('unknown');
      expect(r.cache.value).toContain('config/cache.php: parse error');
    });

    it('a partial run', async () => {
      const dir = project({ 'app/Http/Controllers/HomeController.php': "<?php\nnamespace App\\Http\\Controllers;\nclass HomeController {}\n" });
      // No config file among its files: no row is evaluated (the report says so), none passes.
      expect(await rows(dir, { only: ['app/Http/Controllers/HomeController.php'] })).toEqual({});
      // A config file among them: every row evaluated, none passes (the code was only partly read).
      const r = await rows(dir, { only: ['app/Http/Controllers/HomeController.php', 'config/session.php'] });
      expect(Object.values(r).map((x) => x.status)).toEqual(Array(8).fill('unknown'));
      expect(r.sessions.value).toContain('partial run');
    });
  });
});
