import type { Writable } from 'node:stream';
import { ConfigError } from '../../core/errors.js';
import { EventLogReporter } from './event-log.js';
import { JUnitReporter } from './junit.js';
import { ProgressReporter } from './progress.js';
import type { Reporter } from '../model/reporter.js';
import { TapReporter } from './tap.js';

export type ReporterSpec =
  | { kind: 'junit'; outputFile: string }
  | { kind: 'events'; outputFile: string }
  | { kind: 'tap' }
  | { kind: 'progress' };

export const DEFAULT_OUTPUT: Record<'junit' | 'events', string> = {
  junit: 'reports/junit.xml',
  events: 'reports/events.jsonl',
};

/** "junit=reports/a.xml,tap,progress" → specs; the CLI's --reporter value. */
export function parseReporterList(text: string): ReporterSpec[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item): ReporterSpec => {
      const [kind, file] = item.split('=', 2) as [string, string | undefined];
      if (kind === 'junit' || kind === 'events') return { kind, outputFile: file || DEFAULT_OUTPUT[kind] };
      if ((kind === 'tap' || kind === 'progress') && file === undefined) return { kind };
      throw new ConfigError('--reporter', 'value', `'${item}' is not one of junit[=file], events[=file], tap, progress`);
    });
}

export interface ReporterEnvironment {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
}

/**
 * Every reporter option is decided here, once; reporters read no environment of their own. TAP owns
 * stdout when asked for, so progress then goes to stderr. When nothing would show a person what is
 * happening, progress is added on stderr, first, so a reporter stuck in onEnd cannot hide the result.
 */
export function createReporters(specs: readonly ReporterSpec[], env: ReporterEnvironment = { stdout: process.stdout, stderr: process.stderr }): Reporter[] {
  const tapOnStdout = specs.some((s) => s.kind === 'tap');
  const reporters: Reporter[] = [];
  if (!specs.some((s) => s.kind === 'tap' || s.kind === 'progress')) reporters.push(new ProgressReporter({ stream: env.stderr }));
  for (const s of specs) {
    switch (s.kind) {
      case 'junit':
        reporters.push(new JUnitReporter({ outputFile: s.outputFile }));
        break;
      case 'events':
        reporters.push(new EventLogReporter({ outputFile: s.outputFile }));
        break;
      case 'tap':
        reporters.push(new TapReporter({ stream: env.stdout }));
        break;
      case 'progress':
        reporters.push(new ProgressReporter({ stream: tapOnStdout ? env.stderr : env.stdout }));
        break;
    }
  }
  return reporters;
}
