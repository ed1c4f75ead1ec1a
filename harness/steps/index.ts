export { Bench, type BenchInit, type Journal } from './bench.js';
export { CsmpStepExecutor, FIRMWARE_FIX, type ExecutorOptions } from './executor.js';
export { BenchSession, type SessionHooks } from './session.js';
export { RequestSources } from './request-sources.js';
export { FrameLog, type SeenMessage } from './frame-log.js';
export { diagnoseDevice, evidenceLines, type DiagnoseDeviceOptions } from './diagnosis.js';
export { BRANCH_HEADLINE } from './branches.js';
export { CONFIG_READ, consoleCommand, type DeviceConsole, type DevicePower, type PowerOp, type RunOptions } from './device-control.js';
export { rigVariables, substitute } from './rig-values.js';
