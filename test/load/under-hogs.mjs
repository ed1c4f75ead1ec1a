#!/usr/bin/env node
/**
 * Runs jest on the given test paths while N processes spin on the CPU (default 2: one per core of
 * CI's machine), jest in band: the suites' verdicts must not change when the harness and the
 * virtual rig are starved. A check that passes only on an idle machine, or a faulty model that
 * passes by luck when its timing slips, shows up here (issue 8, "stable under load").
 *
 *   node test/load/under-hogs.mjs [--hogs N] [jest paths…]      (npm run test:load)
 *
 * The hogs run at the same priority as jest (a niced jest beside un-niced hogs starves beyond any
 * real bench) and are killed whatever way jest ends.
 */
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
let hogs = 2;
const at = args.indexOf('--hogs');
if (at >= 0) {
  hogs = Number(args[at + 1]);
  args.splice(at, 2);
  if (!Number.isInteger(hogs) || hogs < 0) {
    console.error(`under-hogs: --hogs wants a whole number, got ${JSON.stringify(process.argv[process.argv.indexOf('--hogs') + 1])}`);
    process.exit(2);
  }
}
const paths = args.length ? args : ['test/suites'];

const spinners = Array.from({ length: hogs }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const stopHogs = () => spinners.forEach((h) => h.kill('SIGKILL'));
process.on('exit', stopHogs);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { stopHogs(); process.exit(130); });

// In band, as --maxWorkers=1 alone ran it until jest.config.js set workerIdleMemoryLimit (with a
// limit Jest always uses worker processes).
console.log(`under-hogs: ${hogs} CPU hog(s) spinning; jest --runInBand ${paths.join(' ')}`);
const jest = spawn(process.execPath, ['node_modules/jest/bin/jest.js', '--runInBand', ...paths], {
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim() },
});
jest.on('exit', (code, signal) => {
  stopHogs();
  process.exit(code ?? (signal ? 1 : 0));
});
