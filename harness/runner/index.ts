export { Run, type RunInput } from './run.js';
export type { StepExecutor, StepContext, StepOutcome, DeviceSession, HookContext } from './executor.js';
export type * from './model.js';
export { outcomeOf } from './model.js';
export { resolveRunOptions, type RunOptions } from './options.js';
export { filterForShard, parseShard, type ShardSpec } from './shard.js';
export { exitCodeFor } from './exit-code.js';
export { handleSignals } from './signals.js';
export { DeviceLocks } from './device-lock.js';
