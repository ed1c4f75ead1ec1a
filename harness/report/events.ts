import type { ConsoleLineEvent, FrameEvent, NmsChangeEvent, PowerEvent } from '../model/observations.js';
import type { RunInfo, RunNote, RunSummary, StepRecord, TestResult } from '../model/run-model.js';
import type { HarnessError, StepStart } from '../model/reporter.js';

/**
 * The event log's first line names its format, so `hil merge` can refuse what it does not know.
 * Version 2 added the observations (frame, console, power, nms) and made attachment paths relative
 * to the log's own folder, so a shard's folder can be moved (a CI artifact) and still merged.
 * Version 1 logs are read as they are: no observations, paths as written.
 */
export const EVENT_LOG_FORMAT = 'csmp-hil-events';
export const EVENT_LOG_VERSION = 2;

export interface EventLogHeader {
  type: 'header';
  format: typeof EVENT_LOG_FORMAT;
  version: number;
}

/** One reporter call as data. Tests are named by id after `begin`, which carries them in full. */
export type RunEvent =
  | { type: 'begin'; info: RunInfo }
  | { type: 'testBegin'; testId: string; attempt: { retry: number; startTime: number } }
  | { type: 'stepBegin'; testId: string; step: StepStart }
  | { type: 'stepEnd'; testId: string; step: StepRecord }
  | { type: 'testEnd'; testId: string; result: TestResult }
  | { type: 'frame'; frame: FrameEvent }
  | { type: 'console'; line: ConsoleLineEvent }
  | { type: 'power'; action: PowerEvent }
  | { type: 'nms'; change: NmsChangeEvent }
  /** `lost`: written by the event log itself after the disk refused that many of its events. */
  | { type: 'error'; error: HarnessError; lost?: number }
  | { type: 'note'; note: RunNote }
  | { type: 'end'; summary: RunSummary };
