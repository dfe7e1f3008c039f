import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { describeOrigin } from '../../src/engine/values.js';
import { defineRule } from '../../src/engine/rule.js';
import { envKeyOf, readEnvFix, remediationFor } from './support/config-fix.js';
import { str } from './support/config.js';
import type { Val } from '../../src/engine/values.js';

export default defineRule({
  meta: {
    id: 'laravel/maintenance-mode-local',
    ecosystem: 'laravel',
    category: 'config',
    severity: 'info',
    summary: 'Maintenance mode is kept in a local file',
    why:
      "With the file driver `php artisan down` writes storage/framework/down on the server it runs on; the other nodes " +
      'keep serving traffic (and `up` must also be run everywhere).',
    remediation: 'Set APP_MAINTENANCE_DRIVER=cache and APP_MAINTENANCE_STORE=redis (a store every node shares).',
    examples: { bad: '# .env\nAPP_MAINTENANCE_DRIVER=file', good: '# .env\nAPP_MAINTENANCE_DRIVER=cache\nAPP_MAINTENANCE_STORE=redis' },
    fixable: 'unsafe',
  },

  check({ facts, report }) {
    const laravel = laravelOf(facts);
    const driver = laravel?.config.get('app.maintenance.driver');
    if (!laravel || !driver || str(driver) !== 'file') return;
    report({
      value: driver,
      remediation: remediationFor(laravel, 'app.maintenance.driver', driver, 'cache', storeAdvice(laravel.config.get('app.maintenance.store'))),
      fix: readEnvFix(laravel, 'app.maintenance.driver', driver)?.fix,
      message: `Maintenance mode uses the file driver (app.maintenance.driver = file: ${describeOrigin(driver)}): \`php artisan down\` must be run on every server.`,
    });
  },
});

/** The cache driver locks in app.maintenance.store, else the default cache store: name the lever this app has. */
function storeAdvice(store: Val | undefined): string {
  const key = envKeyOf(store);
  return key ? ` and ${key}=redis (a store every node shares)` : ' (with app.maintenance.store, or else the default cache store, shared by every node)';
}
