/** `statelint live` as a library call (docs/ARCHITECTURE.md, "API"): like audit(), it never prints or exits. */
import { runLiveChecks, type LiveOptions, type LiveResult } from '../live/run.js';
import { TOOL_VERSION } from './version.js';

export type { LiveOptions, LiveResult };

export function live(options: LiveOptions): Promise<LiveResult> {
  return runLiveChecks(options, TOOL_VERSION);
}
