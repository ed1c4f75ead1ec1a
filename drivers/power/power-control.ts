/**
 * Switches one board's power with the commands of its rig entry (relay, USB hub, PDU, or the
 * virtual rig's control-socket CLI — all run the same way, through runCommand).
 *
 *   const p = new PowerControl('meter-1', { on: 'relay-ctl 3 on', off: 'relay-ctl 3 off', timeoutMs: 5000 });
 *   await p.cycle();      // the rig's cycle command, or off → dwell → on
 *   await p.reset();      // the reset command, or a cycle
 *
 * A non-zero exit, a signal or a timeout is a PowerError; nothing waits longer than the
 * command's timeout plus a short kill grace. Operations on one board run one at a time.
 */
import { PowerError } from './errors.js';
import { runCommand, type CommandOutcome } from './run-command.js';

export type PowerAction = 'on' | 'off' | 'cycle' | 'reset';

export interface PowerCommands {
  on: string;
  off: string;
  cycle?: string;
  /** A reset line or a board-level reset; without it a reset is a power cycle. */
  reset?: string;
  /** Per command. */
  timeoutMs: number;
  /** Time off during a cycle built from off + on (capacitors discharge, supervisors reset). Default 1000. */
  cycleOffMs?: number;
}

export interface PowerStep {
  action: 'on' | 'off' | 'cycle' | 'reset';
  command: string;
  exitCode: number;
  output: string;
  durationMs: number;
}

export interface PowerOutcome {
  action: PowerAction;
  steps: PowerStep[];
  durationMs: number;
}

export const DEFAULT_CYCLE_OFF_MS = 1000;

export class PowerControl {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly cycleOffMs: number;

  constructor(
    readonly device: string,
    private readonly commands: PowerCommands,
    private readonly dwell: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    for (const k of ['on', 'off'] as const) {
      if (typeof commands[k] !== 'string' || commands[k].trim() === '') throw new TypeError(`power ${device}: "${k}" command is required`);
    }
    if (!(commands.timeoutMs > 0)) throw new TypeError(`power ${device}: "timeoutMs" must be positive, got ${commands.timeoutMs}`);
    this.cycleOffMs = commands.cycleOffMs ?? DEFAULT_CYCLE_OFF_MS;
    if (!(this.cycleOffMs >= 0)) throw new TypeError(`power ${device}: "cycleOffMs" must be >= 0, got ${this.cycleOffMs}`);
  }

  on(): Promise<PowerOutcome> {
    return this.serial('on', (steps) => this.step('on', this.commands.on, steps));
  }

  off(): Promise<PowerOutcome> {
    return this.serial('off', (steps) => this.step('off', this.commands.off, steps));
  }

  /**
   * `afterOff` runs once the board is off (after the dwell), just before it is switched on: callers
   * that must tell the rebooted board's traffic from what it sent before use it as their mark. With
   * a dedicated cycle command the off moment is not visible, so it runs before that command.
   */
  cycle(opts: { afterOff?: () => void } = {}): Promise<PowerOutcome> {
    return this.serial('cycle', (steps) => this.cycleSteps(steps, opts.afterOff));
  }

  reset(): Promise<PowerOutcome> {
    const reset = this.commands.reset;
    return this.serial('reset', (steps) => (reset ? this.step('reset', reset, steps) : this.cycleSteps(steps)));
  }

  private async cycleSteps(steps: PowerStep[], afterOff?: () => void): Promise<void> {
    if (this.commands.cycle) {
      afterOff?.();
      return this.step('cycle', this.commands.cycle, steps);
    }
    await this.step('off', this.commands.off, steps);
    await this.dwell(this.cycleOffMs);
    afterOff?.();
    await this.step('on', this.commands.on, steps);
  }

  private serial(action: PowerAction, body: (steps: PowerStep[]) => Promise<void>): Promise<PowerOutcome> {
    const run = async (): Promise<PowerOutcome> => {
      const started = performance.now();
      const steps: PowerStep[] = [];
      await body(steps);
      return { action, steps, durationMs: Math.round(performance.now() - started) };
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => {});
    return result;
  }

  private async step(action: PowerStep['action'], command: string, steps: PowerStep[]): Promise<void> {
    const o: CommandOutcome = await runCommand(command, this.commands.timeoutMs);
    const detail = { output: o.output, timeoutMs: this.commands.timeoutMs };
    if (o.timedOut) throw new PowerError(this.device, action, command, 'timeout', detail);
    if (o.spawnError !== undefined) throw new PowerError(this.device, action, command, 'spawn', { output: o.spawnError });
    if (o.signal !== undefined) throw new PowerError(this.device, action, command, 'signal', { ...detail, signal: o.signal });
    if (o.exitCode !== 0) throw new PowerError(this.device, action, command, 'exit-code', { ...detail, exitCode: o.exitCode });
    steps.push({ action, command, exitCode: 0, output: o.output, durationMs: o.durationMs });
  }
}
