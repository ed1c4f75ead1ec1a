import type { Command } from 'commander';
import { defaultSuitePaths } from '../../app/defaults.js';
import { plannedRig } from '../../app/planned-rig.js';
import { loadRig, type Rig } from '../../config/rig.js';
import { stepVocabulary } from '../../config/steps.js';
import { loadSuites, requirementsOf, type Suite } from '../../config/suite.js';
import { ConfigError, ResourceError } from '../../../core/errors.js';
import { resolveRunOptions } from '../../runner/options.js';
import { planTests } from '../../runner/plan.js';

interface ListOptions {
  rig?: string;
  json?: boolean;
  steps?: boolean;
}

export function registerList(program: Command, exit: (code: number) => never | void): void {
  program
    .command('list')
    .description('list suites and their tests with the capabilities each needs (--steps: the step vocabulary)')
    .argument('[suites...]', 'suite files or folders (default: every suite in suites/)')
    .option('--rig <file>', 'also say which devices of this rig would skip each test, and why (the same plan as hil run --list)')
    .option('--json', 'one JSON document')
    .option('--steps', 'list the steps a suite may use instead')
    .action(async (paths: string[], opts: ListOptions) => {
      const out = (s: string): void => void process.stdout.write(`${s}\n`);
      if (opts.steps) {
        const rows = stepVocabulary();
        if (opts.json) out(JSON.stringify(rows, null, 2));
        else for (const r of rows) out(`${r.name.padEnd(17)} ${r.kind.padEnd(11)} ${r.name}: ${r.usage}\n${' '.repeat(30)}${r.description}`);
        return exit(0);
      }
      let rows: ListedSuite[];
      try {
        const suites: Suite[] = await loadSuites(paths.length ? paths : defaultSuitePaths());
        // The rig as a run sees it (a virtual rig's boards included), so the skips are the run's.
        const rig: Rig | undefined = opts.rig ? plannedRig(await loadRig(opts.rig, { checkFiles: false })) : undefined;
        rows = listing(suites, rig);
      } catch (e) {
        if (e instanceof ConfigError || e instanceof ResourceError) {
          process.stderr.write(`hil list: ${e.message}\n`);
          return exit(2);
        }
        throw e;
      }
      if (opts.json) out(JSON.stringify(rows, null, 2));
      else out(renderListing(rows));
      return exit(0);
    });
}

export interface ListedTest {
  name: string;
  capabilities: string[];
  nmsAddresses: string[];
  steps: string[];
  /** With --rig: device → why it skips this test. */
  skips?: Record<string, string>;
}

export interface ListedSuite {
  suite: string;
  branch: string;
  file: string;
  description?: string;
  tests: ListedTest[];
}

export function listing(suites: readonly Suite[], rig?: Rig): ListedSuite[] {
  const skips = new Map<string, Record<string, string>>();
  if (rig) {
    for (const p of planTests(rig, suites, resolveRunOptions({}))) {
      if (!p.testCase.skipReason) continue;
      const key = `${p.suite.name}\0${p.spec.name}`;
      skips.set(key, { ...(skips.get(key) ?? {}), [p.device.name]: p.testCase.skipReason });
    }
  }
  return suites.map((s) => ({
    suite: s.name,
    branch: s.branch,
    file: s.file,
    ...(s.description ? { description: s.description.trim() } : {}),
    tests: s.tests.map((t) => {
      const req = requirementsOf(s, t);
      const row: ListedTest = {
        name: t.name,
        capabilities: [...req.capabilities].sort(),
        nmsAddresses: [...req.nmsAddresses].sort(),
        steps: [...s.setup, ...t.steps, ...s.teardown].map((st) => `${st.phase === 'test' ? '' : `${st.phase}: `}${st.text}`),
      };
      if (rig) row.skips = skips.get(`${s.name}\0${t.name}`) ?? {};
      return row;
    }),
  }));
}

export function renderListing(rows: readonly ListedSuite[]): string {
  const lines: string[] = [];
  let tests = 0;
  for (const s of rows) {
    lines.push(`${s.suite}  (branch ${s.branch}, ${s.file})`);
    const width = Math.max(...s.tests.map((t) => t.name.length));
    for (const t of s.tests) {
      tests++;
      const needs = [...t.capabilities, ...t.nmsAddresses.map((a) => `nms ${a}`)];
      lines.push(`  ${t.name.padEnd(width)}  requires: ${needs.length ? needs.join(', ') : 'nothing'}`);
      for (const [device, why] of Object.entries(t.skips ?? {})) lines.push(`  ${' '.repeat(width)}  skipped on ${device}: ${why}`);
    }
  }
  lines.push(`${rows.length} suites, ${tests} tests`);
  return lines.join('\n');
}
