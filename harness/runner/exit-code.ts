import { constants } from 'node:os';
import type { RunSummary } from '../model/run-model.js';

/**
 * 0 all passed (flaky and skipped included), 1 some test failed or errored, 2 the harness could not
 * run (bad rig, port busy, nothing selected), 3 rig fault only: every test that did not pass ended
 * because its device failed the health check or was lost mid-run, so no firmware verdict is wrong. An interrupted run exits as shells expect of a process
 * stopped by a signal, 128 + its number (130 SIGINT, 143 SIGTERM), so scripts can tell "stopped"
 * from "failed".
 */
export function exitCodeFor(summary: RunSummary, signal?: NodeJS.Signals): number {
  switch (summary.status) {
    case 'passed':
      return 0;
    case 'failed':
      return summary.rigFaultOnly ? 3 : 1;
    case 'error':
      return 2;
    case 'interrupted':
      return 128 + (constants.signals[signal ?? 'SIGINT'] ?? constants.signals.SIGINT);
  }
}
