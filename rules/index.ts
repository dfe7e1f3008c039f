import type { Rule } from '../src/engine/rule.js';
import cacheStoreLocal from './laravel/cache-store-local.js';
import databaseLocalSqlite from './laravel/database-local-sqlite.js';
import envOutsideConfig from './laravel/env-outside-config.js';
import filesystemDiskLocal from './laravel/filesystem-disk-local.js';
import hardcodedStoragePath from './laravel/hardcoded-storage-path.js';
import logChannelLocal from './laravel/log-channel-local.js';
import maintenanceModeLocal from './laravel/maintenance-mode-local.js';
import scheduleLockLocal from './laravel/schedule-lock-local.js';
import scheduleMissingOneServer from './laravel/schedule-missing-one-server.js';
import sessionStoreLocal from './laravel/session-store-local.js';
import uploadToLocalDisk from './laravel/upload-to-local-disk.js';

/** Every rule, sorted by id. A test checks that each file under rules/<ecosystem>/ is listed here. */
export const ALL_RULES: Rule[] = [
  cacheStoreLocal,
  databaseLocalSqlite,
  envOutsideConfig,
  filesystemDiskLocal,
  hardcodedStoragePath,
  logChannelLocal,
  maintenanceModeLocal,
  scheduleLockLocal,
  scheduleMissingOneServer,
  sessionStoreLocal,
  uploadToLocalDisk,
];

export function findRule(id: string): Rule | undefined {
  return ALL_RULES.find((r) => r.meta.id === id);
}
