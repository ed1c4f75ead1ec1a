/**
 * The faulty-model matrix again, on a rack found powered (issue 15): every meter registered to an
 * earlier NMS when the run begins, the session starting as-found. Each model is caught by the same
 * test with the same words as on a cold start; only a meter whose fresh registration then fails
 * reads Down (it was Up before) instead of never heard.
 */
import { afterAll, beforeAll } from '@jest/globals';
import { casesOf, runInProcess, SUITES, type CaseResult } from './support/run.js';
import { asFound, tempDir, writeRig } from './support/rigs.js';
import { describeFaultyMatrix, FAULTY_GREP, FAULTY_METERS } from './support/faulty-matrix.js';

const tmp = tempDir();
let cases: CaseResult[] = [];
let exitCode = -1;

beforeAll(async () => {
  const rig = writeRig(tmp.dir, 'faulty-as-found', FAULTY_METERS, asFound);
  const r = await runInProcess({ rigFile: rig, suitePaths: [SUITES], reportsDir: `${tmp.dir}/reports`, run: { grep: FAULTY_GREP } });
  cases = casesOf(r.junit);
  exitCode = r.exitCode;
}, 300_000);
afterAll(() => tmp.cleanup());

describeFaultyMatrix('on an as-found start, each suite fails against its faulty model with the same words', () => ({ cases, exitCode }), { asFound: true });
