export type { Reporter, StepStart, HarnessError } from './reporter.js';
export { Multiplexer } from './multiplexer.js';
export { JUnitReporter, type JUnitOptions } from './junit.js';
export { TapReporter, type TapOptions } from './tap.js';
export { ProgressReporter, type ProgressOptions } from './progress.js';
export { EventLogReporter, type EventLogOptions } from './event-log.js';
export { mergeEventLogs, replayEvents } from './merge.js';
export { EVENT_LOG_FORMAT, EVENT_LOG_VERSION, type RunEvent } from './events.js';
export { createReporters, parseReporterList, type ReporterSpec } from './select.js';
