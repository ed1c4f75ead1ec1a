/**
 * The rig-file power commands for a virtual board: shell lines running power-cli.mjs against the
 * board's control socket, so drivers/power treats a virtual board like a relay-switched one.
 */
import { fileURLToPath } from 'node:url';
import type { PowerSpec } from '../../../harness/config/rig.js';

// Not compiled: find it in the source tree whether this module runs from source or from dist/.
export function powerCliPath(): string {
  const here = fileURLToPath(import.meta.url);
  const inDist = here.lastIndexOf('/dist/rigs/');
  const cut = inDist >= 0 ? inDist : here.lastIndexOf('/rigs/virtual/board/');
  return `${here.slice(0, cut)}/rigs/virtual/board/power-cli.mjs`;
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function virtualPowerCommands(socketPath: string, timeoutMs = 5000): PowerSpec {
  const line = (action: string) => [process.execPath, powerCliPath(), socketPath, action, String(timeoutMs)].map(shellQuote).join(' ');
  // The CLI's own timeout is the command's; give execa a little more so the CLI can say why.
  // No cycle command: a cycle is off, dwell, on, so the harness can mark the moment the board is
  // off and tell its traffic from the rebooted board's. 150 ms of relay dwell lets what the board
  // sent before the cut drain through the dongle and the pty.
  return { on: line('on'), off: line('off'), offMs: 150, timeoutMs: timeoutMs + 1000 };
}
