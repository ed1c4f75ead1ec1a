/**
 * What the steps need of a board beside its radio: a console that runs one command line and
 * returns what the board answered, and power switching. The drivers (drivers/console,
 * drivers/power) provide them; the app adapts those drivers to these two small interfaces, and
 * tests use in-memory ones.
 */
import type { DeviceSpec } from '../config/rig.js';
import { renderTemplate } from '../../drivers/console/template.js';
import { ConfigError } from '../../core/errors.js';

export interface RunOptions {
  signal?: AbortSignal;
  /** Real milliseconds. */
  timeoutMs?: number;
}

export interface SwitchOptions extends RunOptions {
  /** For 'cycle': called once the board is off, before it is switched on again. */
  afterOff?: () => void;
}

export interface DeviceConsole {
  /**
   * Sends one command line; resolves with what the board printed before its next prompt. Rejects
   * with ConsoleCommandError when the output matches the rig's errorPattern, with a timeout error
   * when the prompt does not come.
   */
  run(command: string, opts?: RunOptions): Promise<string>;
}

export type PowerOp = 'on' | 'off' | 'cycle';

export interface DevicePower {
  /** Runs the rig's power command for `op`; rejects when it fails or times out. */
  switch(op: PowerOp, opts?: SwitchOptions): Promise<void>;
}

/** The capability that prints the meter's configuration file (DevCfgSchema XML) on its console. */
export const CONFIG_READ = 'show-config';

/**
 * The command line for a console step: the board model's template for the capability with the
 * step's arguments (`{args}`) and the rig's values (`{expected.hwId}`, `{nms.certBase64}` …), or
 * the arguments themselves for the bare `console` capability.
 */
export function consoleCommand(device: DeviceSpec, capability: string, args: string, vars: Readonly<Record<string, string>> = {}): string {
  if (capability === 'console') {
    if (!args) throw new ConfigError(`device '${device.name}'`, 'missing', "console: needs a command line ('console: console <command>')");
    return args;
  }
  const template = device.console?.commands[capability];
  if (template === undefined) {
    const known = Object.keys(device.console?.commands ?? {});
    throw new ConfigError(
      `device '${device.name}'`,
      'reference',
      `console.commands has no '${capability}' template (has: ${known.join(', ') || 'none'})`,
    );
  }
  return renderTemplate(template, { ...vars, args }, `device '${device.name}' console.commands.${capability}`);
}
