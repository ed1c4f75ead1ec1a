import { ConfigError } from '../../core/errors.js';
import type { LeaseStore } from '../../core/lease.js';
import { systemClock, type Clock } from '../../core/clock.js';
import type { ShardSpec } from './shard.js';

/** Run settings; every default lives in resolveRunOptions and nowhere else. */
export interface RunOptions {
  /** Matched against "suite @ device › test"; a string is a regular expression. */
  grep?: RegExp | string;
  /** Only these devices (names). */
  device?: readonly string[];
  /** Only these suites (names). */
  suite?: readonly string[];
  /** Extra attempts for a failed test; a later pass makes it flaky. */
  retries?: number;
  /** Stop scheduling after the first test that did not pass. */
  bail?: boolean;
  shard?: ShardSpec;
  /** 'suite-device' (default): a suite's tests on one device stay together; 'device': whole devices per shard. */
  shardBy?: 'suite-device' | 'device';
  /** Default limit for one step; a step's own wait/within is added to it. */
  stepTimeoutMs?: number;
  /** Limit for DeviceSession setup/restore and for each teardown step. */
  hookTimeoutMs?: number;
  /** Where devices are leased for the run (lock files, Redis); none means no locking. */
  leases?: LeaseStore;
  clock?: Clock;
  /** Treat every test as one that could hurt: baseline before, probe and classify after (`hil run --probe-after-post`). */
  probeAfterPost?: boolean;
}

export interface ResolvedRunOptions {
  grep?: RegExp;
  device?: readonly string[];
  suite?: readonly string[];
  retries: number;
  bail: boolean;
  shard?: ShardSpec;
  shardBy: 'suite-device' | 'device';
  stepTimeoutMs: number;
  hookTimeoutMs: number;
  leases?: LeaseStore;
  clock: Clock;
  probeAfterPost: boolean;
}

export const DEFAULT_STEP_TIMEOUT_MS = 30_000;
/**
 * Extra attempts of a failed test. Bounded because each attempt of a test that keeps failing can
 * wait out every step timeout: 1e20 (what `--retries 99999999999999999999` reads as) never ends a run.
 */
export const MAX_RETRIES = 100;
export const DEFAULT_HOOK_TIMEOUT_MS = 120_000;

export function resolveRunOptions(o: RunOptions = {}): ResolvedRunOptions {
  const positive = (name: string, v: number | undefined, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(name, 'value', max === Number.MAX_SAFE_INTEGER ? `must be an integer ≥ ${min} (got ${v})` : `must be a whole number from ${min} to ${max} (got ${v})`);
    return v;
  };
  let grep: RegExp | undefined;
  if (typeof o.grep === 'string') {
    try {
      grep = new RegExp(o.grep);
    } catch (e) {
      throw new ConfigError('--grep', 'value', (e as Error).message);
    }
  } else grep = o.grep;
  const resolved: ResolvedRunOptions = {
    retries: positive('--retries', o.retries, 0, 0, MAX_RETRIES),
    bail: o.bail ?? false,
    shardBy: o.shardBy ?? 'suite-device',
    stepTimeoutMs: positive('step timeout', o.stepTimeoutMs, DEFAULT_STEP_TIMEOUT_MS, 1),
    hookTimeoutMs: positive('hook timeout', o.hookTimeoutMs, DEFAULT_HOOK_TIMEOUT_MS, 1),
    clock: o.clock ?? systemClock,
    probeAfterPost: o.probeAfterPost ?? false,
  };
  if (grep) resolved.grep = grep;
  if (o.device) resolved.device = o.device;
  if (o.suite) resolved.suite = o.suite;
  if (o.shard) resolved.shard = o.shard;
  if (o.leases) resolved.leases = o.leases;
  return resolved;
}
