/**
 * The main job as a user runs it: `hil run` of every suite against the virtual rig, with 1 and with
 * 4 meters, each in its own process; wall time and peak RSS. Target: 4 meters under 60 s, and at
 * most 1.5x the time of 1 (devices run in parallel; the shared dongle line is the limit).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SuiteRunFigures {
  meters: number;
  wallSec: number;
  peakRssMB: number;
  summary: string;
}

export function benchSuiteRun(root: string, log: (s: string) => void): SuiteRunFigures[] {
  const out: SuiteRunFigures[] = [];
  for (const meters of [1, 4]) {
    const reports = mkdtempSync(join(tmpdir(), 'hil-bench-run-'));
    try {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [join(root, 'dist/bench/peak-rss.js'), join(root, 'dist/harness/cli/main.js'), 'run', '--meters', String(meters), '--reports', reports], {
        cwd: root,
        encoding: 'utf8',
        timeout: 300_000,
      });
      const wallSec = Number(process.hrtime.bigint() - t0) / 1e9;
      const rss = /PEAK_RSS_KB=(\d+)/.exec(r.stderr ?? '');
      const summary = /^(passed|failed): .*$/m.exec(`${r.stdout}\n${r.stderr}`)?.[0] ?? `no summary (exit ${r.status}${r.error ? `, ${r.error.message}` : ''})`;
      if (r.status !== 0) throw new Error(`hil run --meters ${meters} exited ${r.status}: ${summary}`);
      const f = { meters, wallSec, peakRssMB: rss ? Number(rss[1]) / 1024 : NaN, summary };
      out.push(f);
      log(`hil run      ${meters} meter${meters > 1 ? 's' : ' '}: ${wallSec.toFixed(1)} s wall, peak RSS ${f.peakRssMB.toFixed(0)} MB — ${summary}`);
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  }
  return out;
}
