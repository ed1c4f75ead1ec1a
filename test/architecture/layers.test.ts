/**
 * The layer rules of ARCHITECTURE.md, checked on the real import graph: dependency-cruiser reads every
 * import (type-only ones too) and the rules in .dependency-cruiser.cjs must all hold. A second run over
 * a small tree that breaks each rule on purpose proves the check can fail.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

const root = fileURLToPath(new URL('../../', import.meta.url));
const config = createRequire(import.meta.url)(`${root}.dependency-cruiser.cjs`) as IConfiguration;

async function violations(baseDir: string, folders: string[]): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(baseDir);
  try {
    const result = await cruise(folders, { ...config.options, ruleSet: { forbidden: config.forbidden }, tsConfig: undefined, validate: true });
    const output = result.output as ICruiseResult;
    return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
  } finally {
    process.chdir(cwd);
  }
}

test('the product obeys every layer rule', async () => {
  expect(await violations(root, ['core', 'drivers', 'harness', 'rigs', 'bench'])).toEqual([]);
}, 120_000);

test('each rule catches the import it forbids', async () => {
  const broken = fileURLToPath(new URL('./fixtures/broken/', import.meta.url));
  expect(await violations(broken, ['core', 'drivers', 'harness', 'rigs'])).toEqual([
    'codecs-do-no-io: harness/csmp/tlv.ts -> fs',
    'core-imports-nothing-of-ours: core/clock.ts -> harness/runner/run.ts',
    'drivers-stand-below-the-harness: drivers/serial/port.ts -> harness/errors/thing.ts',
    'evidence-is-files-and-signatures: harness/evidence/verify.ts -> harness/nms/nms.ts',
    'model-is-a-contract: harness/model/run-model.ts -> harness/runner/run.ts',
    'no-cycles: rigs/virtual/board/board.ts -> rigs/virtual/meter/agent.ts',
    'no-folder-cycles: rigs/virtual/board -> rigs/virtual/meter',
    'no-folder-cycles: rigs/virtual/meter -> rigs/virtual/board',
    'only-the-composition-root-opens-the-virtual-rig: harness/steps/bench.ts -> rigs/virtual/meter/sim.ts',
    'product-never-imports-tests: harness/errors/thing.ts -> test/helper.ts',
    'reporters-know-no-devices: harness/report/junit.ts -> drivers/serial/port.ts',
    'runner-knows-no-bytes: harness/runner/run.ts -> harness/report/junit.ts',
    'virtual-rig-speaks-through-contracts: rigs/virtual/meter/sim.ts -> harness/nms/nms.ts',
  ]);
}, 120_000);
