/** `hil history` as text: one row per test and device, the least healthy first. */
import type { TestHistory } from './stats.js';

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function health(r: TestHistory): number {
  // Failing now, then flaky, then by pass rate: what a person triaging a nightly wants first.
  return (r.failingSince ? 0 : r.flaky ? 1 : 2) * 10 + (r.passRate ?? 1);
}

export function renderHistory(rows: readonly TestHistory[], runCount: number): string {
  if (rows.length === 0) return `no test results in ${runCount} run${runCount === 1 ? '' : 's'}`;
  const sorted = [...rows].sort((a, b) => health(a) - health(b));
  const head = ['TEST', 'DEVICE', 'PASS', 'FLAKY', 'FIRST FAILURE', 'FAILING SINCE', 'FIRMWARE/RIG'];
  const table = sorted.map((r) => [
    `${r.suite} › ${r.test}`,
    r.device,
    r.passRate === undefined ? '-' : `${r.passed}/${r.runs} ${Math.round(r.passRate * 100)}%`,
    r.flaky ? [r.passedOnRetry ? `passed on retry ×${r.passedOnRetry}` : '', r.flips >= 2 ? `${r.flips} flips` : ''].filter(Boolean).join(', ') : '-',
    r.firstFailure ? `${iso(r.firstFailure.startTime)} ${r.firstFailure.runId}` : '-',
    r.failingSince ? iso(r.failingSince.startTime) : '-',
    `${r.failures.firmware}/${r.failures.rig}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const flaky = rows.filter((r) => r.flaky).length;
  const failing = rows.filter((r) => r.failingSince).length;
  return [line(head), ...table.map(line), `${rows.length} tests over ${runCount} runs: ${failing} failing now, ${flaky} flaky`].join('\n');
}
