/**
 * `hil run --json`: the run's outcome as one JSON document on stdout, for scripts that want more
 * than the exit code and less than JUnit. Times are milliseconds; a test's status is its last
 * attempt's.
 */
import type { RunSuitesResult } from '../app/run-suites.js';

export function runSummaryJson(r: RunSuitesResult, reportsDir: string): unknown {
  return {
    status: r.summary?.status ?? 'error',
    exitCode: r.exitCode,
    ...(r.summary ? { counts: r.summary.counts, durationMs: r.summary.duration } : {}),
    ...(r.summary?.message ? { message: r.summary.message } : {}),
    ...(r.unrecorded ? { unrecorded: r.unrecorded } : {}),
    reports: reportsDir,
    junit: r.junitFile,
    tests: (r.tests ?? []).map(({ test, result }) => ({
      id: test.id,
      title: test.title,
      suite: test.suite.name,
      device: test.device.name,
      test: test.name,
      status: result?.status ?? 'not run',
      ...(result ? { durationMs: result.duration, attempts: result.retry + 1 } : {}),
      ...(result?.failure ? { message: result.failure.message } : {}),
      ...(result?.skipReason ? { skipReason: result.skipReason } : {}),
      attachments: (result?.attachments ?? []).map((a) => a.path),
    })),
    // Only with --minimise: the JUnit and HTML were written before it ran and name the full reproducers.
    ...(r.minimised
      ? {
          minimised: r.minimised.map((m) => ({
            reproducer: m.file,
            minimised: m.minimisedFile ?? null,
            tries: m.tries,
            inputSteps: m.steps,
            ...(m.stopped ? { stopped: m.stopped } : {}),
          })),
        }
      : {}),
  };
}
