import type { Category, Finding } from '../../engine/finding.js';
import type { ChecklistItem, CheckStatus } from '../../engine/report.js';
import type { ChecklistContext } from '../types.js';
import type { NodeFacts } from './facts.js';

interface Row {
  category: Category;
  label: string;
  /** Libraries whose use the row describes (from the server packages' dependencies). */
  libraries: string[];
  none: string;
}

const ROWS: Row[] = [
  { category: 'sessions', label: 'Sessions', libraries: ['express-session', '@fastify/session', 'fastify-session', 'koa-session', 'koa-generic-session', 'cookie-session', '@fastify/secure-session', 'connect-redis', 'connect-mongo', 'connect-pg-simple'], none: 'no server-side session library' },
  { category: 'rate-limit', label: 'Rate limits', libraries: ['express-rate-limit', 'express-slow-down', '@fastify/rate-limit', 'koa-ratelimit', 'rate-limiter-flexible', '@nestjs/throttler', 'limiter', 'rate-limit-redis'], none: 'no rate-limit library' },
  { category: 'realtime', label: 'Realtime', libraries: ['socket.io', '@nestjs/websockets', '@socket.io/redis-adapter', '@socket.io/redis-streams-adapter', 'socket.io-redis', 'ws'], none: 'no socket.io server' },
  { category: 'uploads', label: 'Uploaded files', libraries: ['multer', 'formidable', 'busboy', 'express-fileupload', '@fastify/multipart', 'multer-s3', '@aws-sdk/client-s3'], none: 'no upload library' },
  { category: 'logs', label: 'Logs', libraries: ['winston', 'pino', 'morgan', 'log4js', 'bunyan', 'winston-daily-rotate-file', 'nestjs-pino'], none: 'console (stdout)' },
  { category: 'scheduler', label: 'Scheduled jobs', libraries: ['node-cron', 'cron', 'croner', 'node-schedule', 'toad-scheduler', '@nestjs/schedule', 'bull', 'bullmq', 'agenda'], none: 'no scheduler library' },
  { category: 'database', label: 'Database', libraries: ['sqlite3', 'better-sqlite3', 'sequelize', 'knex', 'typeorm', '@prisma/client', 'prisma', 'lowdb', 'nedb', '@seald-io/nedb', 'pg', 'mysql2', 'mongoose', 'mongodb', 'ioredis', 'redis'], none: 'no database library' },
  { category: 'memory', label: 'In-process state', libraries: [], none: 'no module-level state written by requests' },
];

/** pass / fail / unknown per category (docs/ARCHITECTURE.md, "Findings and the report"). */
export function nodeChecklist(node: NodeFacts, findings: Finding[], context: ChecklistContext): ChecklistItem[] {
  const deps = new Set(node.packages.flatMap((p) => p.dependencies));
  const ours = findings.filter((f) => f.ruleId.startsWith('node/'));
  const unread = context.notAnalysed.filter((f) => node.serverFiles.has(f) || node.packages.some((p) => !p.root || f === p.root || f.startsWith(`${p.root}/`)));
  return ROWS.map((row) => {
    const hits = ours.filter((f) => f.category === row.category && f.severity !== 'info');
    const used = row.libraries.filter((l) => deps.has(l));
    const text = hits.length
      ? `${hits.length} finding${hits.length === 1 ? '' : 's'} (${[...new Set(hits.map((h) => h.ruleId))].join(', ')})`
      : row.category === 'memory'
        ? row.none
        : used.length
          ? `${used.join(', ')}: nothing per-server found`
          : row.none;
    const hidden = context.suppressed.filter((f) => f.category === row.category && f.ruleId.startsWith('node/')).length;
    const off = [...context.disabledRules].filter((id) => id.startsWith('node/') && context.categoryOf(id) === row.category);
    const caveats = [
      ...(hidden ? [`${hidden} suppressed`] : []),
      ...(off.length ? [`${off.join(', ')} off`] : []),
      ...(unread.length ? [`${unread.length} file${unread.length === 1 ? '' : 's'} not analysed`] : []),
    ];
    if (!node.packages.length) caveats.push('no Node server package found');
    const status: CheckStatus = hits.length ? 'fail' : caveats.length ? 'unknown' : 'pass';
    return { category: row.category, label: row.label, status, value: caveats.length ? `${text} (${caveats.join('; ')})` : text };
  });
}
