/**
 * Requests a test captured (`post: {…, capture: NAME}`) for a later `replay`, kept with the
 * attempt so a retried test starts without them; and the GroupMatch a post names, rig values
 * substituted.
 */
import { ConfigError } from '../../../core/errors.js';
import type { GroupMatchParams } from '../../config/attack-steps.js';
import type { AttemptMemory } from '../attempt-memory.js';
import { substitute } from '../rig-values.js';

const captured = new WeakMap<AttemptMemory, Map<string, Uint8Array>>();

export function capture(attempt: AttemptMemory, name: string, bytes: Uint8Array): void {
  let m = captured.get(attempt);
  if (!m) captured.set(attempt, (m = new Map()));
  m.set(name, Uint8Array.from(bytes));
}

export function captureOf(attempt: AttemptMemory, name: string): Uint8Array | undefined {
  return captured.get(attempt)?.get(name);
}

export function groupMatchOf(g: GroupMatchParams, vars: Record<string, string>, device: string): { type: number; id: number } {
  const id = Number(substitute(g.id, vars, `${device}: post groupMatch`));
  if (!Number.isInteger(id) || id < 0) throw new ConfigError(`${device}: post groupMatch`, 'value', `id ${JSON.stringify(g.id)} is not a whole number`);
  return { type: g.type, id };
}
