import { tmpdir } from 'node:os';
import { join } from 'node:path';

// SoftHSM2 (the PKCS#11 signing tests) reads SOFTHSM2_CONF from the real environment when it is
// first initialised; Jest hands each test a copy of process.env that native code never sees. So the
// token folder is chosen here, before the workers start; test/support/softhsm.ts creates it, makes a
// token of its own in it and removes both.
process.env.SOFTHSM2_CONF ??= join(tmpdir(), `csmp-hil-softhsm-${process.pid}`, 'softhsm2.conf');

/** @type {import('jest').Config} */
export default {
  // examples/: the library's documented Jest example runs as one of the project's tests.
  roots: ['<rootDir>/test', '<rootDir>/examples'],
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  // 'csmp-hil' is the built package entry (package.json exports), as a lab's project imports it.
  moduleNameMapper: { '^csmp-hil$': '<rootDir>/dist/harness/app/library.js', '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 30000,
  // Pty and socket tests share two cores with CI; two workers keeps them from starving each other.
  maxWorkers: 2,
  // A worker's heap grows with every file it runs (600 MB used, 1 GB resident after 65 files), and
  // tearing down the heap of a whole run's worth outlasts the 500 ms Jest grants a worker to exit:
  // it killed them and warned of a leak no test has (their 'exit' fired within 2 ms; no handle was
  // left). A worker whose heap passes this after a file is replaced before its next one.
  workerIdleMemoryLimit: '512MB',
};
