/**
 * `hil.config.yaml`: a lab's defaults for every command, kept next to its suites so a checkout
 * runs the same way on every CI runner and desk. Found as `$HIL_CONFIG` when set, else
 * `hil.config.yaml` in the working directory. Every key is optional; paths are relative to the
 * file's folder:
 *
 *   rig: rigs/bench-3.yaml        # default --rig of every command ($HIL_RIG wins over it)
 *   suites: [suites, extra]       # default suites of run and list
 *   reports: out/reports          # default --reports of run ($HIL_REPORTS wins over it)
 *
 * Precedence, highest first: the command line, the environment, this file, csmp-hil's defaults.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { readConfigText } from './config-text.js';
import { explainSchemaErrors } from './schema-errors.js';
import type { JsonSchema } from './step-kit.js';
import { compileSchema } from './validator.js';
import { YamlSource } from './yaml-source.js';

export const HIL_CONFIG_FILE = 'hil.config.yaml';

export interface HilConfig {
  /** The file it came from. */
  file: string;
  rig?: string;
  suites?: string[];
  reports?: string;
}

const path: JsonSchema = { type: 'string', minLength: 1 };
const schema: JsonSchema = {
  type: 'object',
  properties: {
    rig: { ...path, description: 'Default rig file of every command.' },
    suites: { oneOf: [path, { type: 'array', items: path, minItems: 1 }], description: 'Default suite files or folders of hil run and hil list.' },
    reports: { ...path, description: 'Default reports folder of hil run.' },
  },
  additionalProperties: false,
};

/** The config file in use, or undefined when there is none. ConfigError when it is unusable. */
export function loadHilConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): HilConfig | undefined {
  const named = env.HIL_CONFIG;
  const file = named ? resolve(cwd, named) : resolve(cwd, HIL_CONFIG_FILE);
  if (!named && !existsSync(file)) return undefined;
  const src = YamlSource.parse(readConfigText(file, 'config file'), file);
  const raw = (src.value ?? {}) as { rig?: string; suites?: string | string[]; reports?: string };
  const validate = compileSchema(schema);
  if (!validate(raw)) {
    const p = explainSchemaErrors(validate.errors ?? [], { isStep: () => false, usageAt: () => undefined });
    throw src.error(p.path, 'schema', p.reason, { key: p.atKey });
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${file}:1:1`, 'schema', 'must be a mapping of rig, suites, reports');
  const base = dirname(file);
  const config: HilConfig = { file };
  if (raw.rig !== undefined) config.rig = resolve(base, raw.rig);
  if (raw.suites !== undefined) config.suites = (Array.isArray(raw.suites) ? raw.suites : [raw.suites]).map((s) => resolve(base, s));
  if (raw.reports !== undefined) config.reports = resolve(base, raw.reports);
  return config;
}
