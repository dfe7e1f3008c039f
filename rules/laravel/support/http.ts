/**
 * Code that runs inside an HTTP request, judged by where it lives: controllers (app/Http, any
 * `Controllers/` folder or `*Controller.php`, as in BookStack's app/<Area>/Controllers), middleware,
 * form requests, Livewire and Filament components, and the route files (not routes/console.php or
 * routes/channels.php). Artisan commands, seeders, migrations and installers are not: they run once,
 * on the machine someone ran them on.
 */
const HTTP_PATH = /^(?:app\/Http\/|routes\/(?!console\.php$|channels\.php$)|(?:app|src)\/(?:.*\/)?(?:Controllers?|Middleware|Livewire|Filament|Requests)\/|(?:app|src)\/(?:.*\/)?[^/]*Controller\.php$)/;
const NOT_HTTP = /^(?:app\/Console\/|database\/|tests?\/)|(?:^|\/)(?:Web)?(?:Install(?:er|ation)?|Setup|Upgrade|Updater)(?:Wizard)?(?:Controller)?(?:\.php)?(?:\/|$)/i;

export function isHttpReachablePath(path: string): boolean {
  return HTTP_PATH.test(path) && !NOT_HTTP.test(path);
}

/** Code that runs once on one machine (artisan commands, seeders, migrations, tests, installers): never a web request. */
export function isOneOffPath(path: string): boolean {
  return NOT_HTTP.test(path);
}
