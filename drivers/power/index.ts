export { PowerError, type PowerFailure } from './errors.js';
export { DEFAULT_CYCLE_OFF_MS, PowerControl, type PowerAction, type PowerCommands, type PowerOutcome, type PowerStep } from './power-control.js';
export { MAX_OUTPUT_BYTES, runCommand, type CommandOutcome } from './run-command.js';
