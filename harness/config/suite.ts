import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { durationProblem, parseDuration } from '../../core/duration.js';
import { readConfigText } from './config-text.js';
import { dottedPath, explainSchemaErrors } from './schema-errors.js';
import { isStepName, normalizeStep, STEPS, stepNeeds, type Step, type StepPhase } from './steps.js';
import { StepValueProblem } from './step-kit.js';
import { suiteSchema } from './suite-schema.js';
import { compileSchema } from './validator.js';
import { YamlSource, type PathSegment } from './yaml-source.js';

export interface TestSpec {
  name: string;
  description?: string;
  /** Capabilities listed on the test itself (see requirementsOf for the full set). */
  requires: string[];
  steps: Step[];
  timeoutMs?: number;
  /** file:line:col of the test in its suite. */
  where: string;
}

export interface Suite {
  file: string;
  name: string;
  branch: string;
  description?: string;
  requires: string[];
  /** Needs the device registered by this run's NMS (see the suite schema); as-found starts re-register it first. */
  freshRegistration?: boolean;
  /** Run before each test; suites are per-test isolated because the device is restored after each one. */
  setup: Step[];
  /** Run after each test, whatever its outcome. */
  teardown: Step[];
  tests: TestSpec[];
}

export interface Requirements {
  capabilities: string[];
  nmsAddresses: string[];
}

interface RawStep {
  [name: string]: unknown;
}
interface RawSuite {
  suite: string;
  branch: string;
  description?: string;
  requires?: string[];
  freshRegistration?: boolean;
  setup?: RawStep[];
  teardown?: RawStep[];
  tests: { name: string; description?: string; requires?: string[]; timeout?: string; steps: RawStep[] }[];
}

const schema = suiteSchema();

export async function loadSuite(file: string): Promise<Suite> {
  return parseSuite(readConfigText(file, 'suite file'), file);
}

/**
 * Loads suite files and the *.yaml / *.yml files directly inside directories, sorted by name so a run
 * plans the same order everywhere. Suite names must be unique: reports and shards key on them.
 */
export async function loadSuites(paths: readonly string[]): Promise<Suite[]> {
  const files: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch {
      // loadSuite reports the unreadable path.
    }
    if (isDir) {
      const names = (await readdir(p)).filter((n) => /\.ya?ml$/.test(n)).sort();
      files.push(...names.map((n) => join(p, n)));
    } else files.push(p);
  }
  const suites: Suite[] = [];
  const byName = new Map<string, Suite>();
  for (const file of files) {
    const suite = await loadSuite(file);
    const other = byName.get(suite.name);
    if (other) throw new ConfigError(`${file}:1:1`, 'conflict', `suite '${suite.name}' is also defined in ${other.file}`);
    byName.set(suite.name, suite);
    suites.push(suite);
  }
  return suites;
}

function stepLocation(path: readonly PathSegment[]): { phase: StepPhase; index: number; depth: number } | undefined {
  if ((path[0] === 'setup' || path[0] === 'teardown') && typeof path[1] === 'number')
    return { phase: path[0], index: path[1], depth: 2 };
  if (path[0] === 'tests' && typeof path[1] === 'number' && path[2] === 'steps' && typeof path[3] === 'number')
    return { phase: 'test', index: path[3], depth: 4 };
  return undefined;
}

function stepLabel(phase: StepPhase, index: number): string {
  return `${phase === 'test' ? '' : `${phase} `}step ${index + 1}`;
}

function label(raw: RawSuite, path: readonly PathSegment[]): string {
  const step = stepLocation(path);
  if (step) {
    const rest = path.slice(step.depth);
    return `${stepLabel(step.phase, step.index)}: ${rest.length ? `${dottedPath(rest)}: ` : ''}`;
  }
  if (path[0] === 'tests' && typeof path[1] === 'number') {
    const rest = path.slice(2);
    return `test '${raw.tests?.[path[1]]?.name ?? path[1]}': ${rest.length ? `${dottedPath(rest)}: ` : ''}`;
  }
  return path.length ? `${dottedPath(path)}: ` : '';
}

/** Validates and normalises a suite; every problem is a ConfigError at file:line:col. */
export function parseSuite(text: string, file: string): Suite {
  const src = YamlSource.parse(text, file);
  const raw = src.value as RawSuite;
  const validate = compileSchema(schema);
  if (!validate(raw)) {
    const p = explainSchemaErrors(validate.errors ?? [], {
      isStep: (path) => stepLocation(path)?.depth === path.length,
      usageAt: (path) => {
        const step = stepLocation(path);
        const name = step && path.length === step.depth + 1 ? path[step.depth] : undefined;
        return typeof name === 'string' && isStepName(name) ? STEPS[name].usage : undefined;
      },
    });
    const owner = p.atKey ? p.path.slice(0, -1) : p.path;
    throw src.error(p.path, 'schema', `${label(raw, owner)}${p.reason}`, { key: p.atKey });
  }

  const steps = (list: RawStep[] | undefined, phase: StepPhase, base: PathSegment[]): Step[] =>
    (list ?? []).map((rawStep, i) => {
      const name = Object.keys(rawStep)[0]!;
      if (!isStepName(name)) throw src.error([...base, i], 'schema', `${stepLabel(phase, i)}: unknown action '${name}'`);
      const path = [...base, i, name];
      try {
        return normalizeStep(name, rawStep[name], { index: i + 1, phase, where: src.where([...base, i], { key: false }) });
      } catch (e) {
        if (!(e instanceof StepValueProblem)) throw e;
        throw src.error([...path, ...e.path], 'value', `${stepLabel(phase, i)}: ${name}: ${e.reason}`);
      }
    });

  const suite: Suite = {
    file,
    name: raw.suite,
    branch: raw.branch,
    requires: [...(raw.requires ?? [])],
    setup: steps(raw.setup, 'setup', ['setup']),
    teardown: steps(raw.teardown, 'teardown', ['teardown']),
    tests: [],
  };
  if (raw.description !== undefined) suite.description = raw.description;
  if (raw.freshRegistration) suite.freshRegistration = true;

  const names = new Set<string>();
  raw.tests.forEach((t, i) => {
    if (names.has(t.name)) throw src.error(['tests', i, 'name'], 'conflict', `test '${t.name}' is defined twice`);
    names.add(t.name);
    const test: TestSpec = {
      name: t.name,
      requires: [...(t.requires ?? [])],
      steps: steps(t.steps, 'test', ['tests', i, 'steps']),
      where: src.where(['tests', i]),
    };
    if (t.description !== undefined) test.description = t.description;
    if (t.timeout !== undefined) {
      const problem = durationProblem(t.timeout);
      if (problem) throw src.error(['tests', i, 'timeout'], 'value', `test '${t.name}': timeout: ${problem}`);
      test.timeoutMs = parseDuration(t.timeout)!;
    }
    suite.tests.push(test);
  });
  return suite;
}

/** Everything a device and the rig must offer for a test to run: listed plus implied by its steps. */
export function requirementsOf(suite: Suite, test: TestSpec): Requirements {
  const capabilities = new Set([...suite.requires, ...test.requires]);
  const nmsAddresses = new Set<string>();
  for (const step of [...suite.setup, ...test.steps, ...suite.teardown]) {
    const needs = stepNeeds(step);
    needs.capabilities?.forEach((c) => capabilities.add(c));
    needs.nmsAddresses?.forEach((a) => nmsAddresses.add(a));
  }
  return { capabilities: [...capabilities], nmsAddresses: [...nmsAddresses] };
}
