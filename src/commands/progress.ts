import type { CliIO } from './output.js';

/** How long a run stays silent before progress shows: short runs (hooks, small apps) never flicker. */
export const PROGRESS_DELAY_MS = 1000;
/** Redraws at most this often, so a fast loop over thousands of files does not flood the terminal. */
const REDRAW_MS = 100;

export interface Progress {
  /** The callback for `audit({ onProgress })`. */
  update(phase: 'reading' | 'analysing', done: number, total: number): void;
  /** Clears the line before the report or an error is printed. */
  finish(): void;
}

const silent: Progress = { update: () => {}, finish: () => {} };

/**
 * One self-overwriting line on stderr ("reading 1,200/5,000 files", then "analysing 30/81 files") for long runs in a terminal.
 * Only when stderr is a TTY and not turned off (--no-progress): stdout carries only the report, and logs
 * of CI or hooks get no carriage returns. Time is checked on each update rather than with a timer: the
 * file pass is synchronous work, so a timer would not fire until it ends.
 */
export function createProgress(io: CliIO, enabled: boolean, now: () => number = Date.now, delayMs: number = PROGRESS_DELAY_MS): Progress {
  if (!enabled || !io.stderrIsTTY || io.env.TERM === 'dumb') return silent;
  const started = now();
  let lastDraw = -Infinity;
  let shown = false;
  return {
    update(phase, done, total) {
      const t = now();
      if (t - started < delayMs || (t - lastDraw < REDRAW_MS && done !== total)) return;
      lastDraw = t;
      shown = true;
      io.stderr(`\r\x1b[2Kstatelint: ${phase} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} files`);
    },
    finish() {
      if (shown) io.stderr('\r\x1b[2K');
      shown = false;
    },
  };
}
