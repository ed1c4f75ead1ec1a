/**
 * `console: <capability> <args>`: runs the board model's command for a capability on the board's
 * console. A command the board refuses fails the step (the rig's template does not fit the board);
 * a restarting command counts as a new boot, like a power cycle.
 */
import { ConfigError } from '../../../core/errors.js';
import { ConsoleCommandError } from '../../../drivers/console/errors.js';
import type { ConsoleParams } from '../../config/action-steps.js';
import { markNewBoot } from '../attempt-memory.js';
import { consoleCommand } from '../device-control.js';
import { fail } from '../outcome.js';
import { rigVariables, substitute } from '../rig-values.js';
import { remainingMs, type StepRun } from '../step-run.js';

/** Console capabilities that restart the board, like a power cycle. */
const RESTARTING = new Set(['reboot', 'factory-reset']);

/** Lines of board output logged with the step; the console log keeps the rest. */
const LOGGED_LINES = 40;

export async function consoleStep(p: ConsoleParams, run: StepRun): Promise<void> {
  const { bench, ctx, attempt } = run;
  const con = bench.console(ctx.device.name);
  if (!con) throw new ConfigError(`device '${ctx.device.name}'`, 'missing', 'console: the rig gives this device no console');
  const vars = rigVariables(bench.rig, ctx.device);
  const args = String(substitute(p.args, vars, ctx.device.name));
  const command = consoleCommand(ctx.device, p.capability, args, vars);
  if (RESTARTING.has(p.capability)) markNewBoot(bench, attempt, ctx.device.name);
  bench.journal(ctx.device.name).console.push(command);
  ctx.log(`console> ${command.length > 160 ? `${command.slice(0, 160)}…` : command}`);
  let output: string;
  try {
    output = await con.run(command, { signal: ctx.signal, timeoutMs: Math.max(100, remainingMs(run) - 250) });
  } catch (e) {
    if (e instanceof ConsoleCommandError) {
      fail(`the board refused '${command}'`, {
        expected: `'${command}' accepted`,
        seen: e.message,
        likelyCause: `the board's console does not accept the rig's '${p.capability}' command`,
        fix: `Check console.commands.${p.capability} of device '${ctx.device.name}' in ${bench.rig.file} against the board's command set.`,
      });
    }
    throw e;
  }
  const lines = output.split(/\r?\n/).filter((l) => l.trim() !== '');
  for (const l of lines.slice(0, LOGGED_LINES)) ctx.log(`console< ${l}`);
  if (lines.length > LOGGED_LINES) ctx.log(`console< … ${lines.length - LOGGED_LINES} more lines in the console log`);
}
