/** The report as one HTML document: the run's summary as JSON, one JSON block per test, styles and script inline. */
import type { TrendRun } from '../../history/trend.js';
import type { RunStatus } from '../../model/run-model.js';
import { CLIENT_JS } from './client.js';
import { STYLE_CSS } from './style.js';

export interface TestRow {
  id: string;
  suite: string;
  branch: string;
  device: string;
  name: string;
  /** The last attempt's status, 'flaky' for a pass after a retry, 'pending' while not finished. */
  outcome: string;
  duration: number;
  attempts: number;
  message: string;
}

export interface PageData {
  rig: { name: string; file: string };
  startTime: number;
  shard?: string;
  status: RunStatus | 'running';
  duration: number;
  message?: string;
  errors: string[];
  /** Evidence about the rig itself (run-model's RunNote): ports bound, leases taken over. */
  notes: string[];
  tests: TestRow[];
  history: readonly TrendRun[];
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
// Inside <script type="application/json"> only "</" can end the element early.
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');

/** `blocks`: test id → its TestView as JSON text, already safe for a script element. */
export function renderPage(data: PageData, blocks: ReadonlyMap<string, string>): string {
  const ids = new Set(data.tests.map((t) => t.id));
  // Only what the trend shows: each earlier run's time and, for this run's tests, outcome and duration.
  const history = data.history.map((r) => {
    const tests: Record<string, [string, number]> = {};
    for (const [id, t] of Object.entries(r.tests)) if (ids.has(id)) tests[id] = t;
    return { startTime: r.startTime, status: r.status, tests };
  });
  const run = { ...data, history };
  const title = `csmp-hil · ${data.rig.name} · ${data.status}`;
  const parts = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may come from the network: the report opens the same offline, from file:// and from a CI artifact.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE_CSS}</style>`,
    '</head><body>',
    '<noscript>This report needs JavaScript to show its tests; junit.xml holds the same verdicts.</noscript>',
    '<main id="app"></main>',
    `<script type="application/json" id="run-data">${scriptJson(run)}</script>`,
  ];
  for (const [id, json] of blocks) parts.push(`<script type="application/json" id="t-${escapeHtml(id)}">${json}</script>`);
  parts.push(`<script>${CLIENT_JS}</script>`, '</body></html>', '');
  return parts.join('\n');
}
