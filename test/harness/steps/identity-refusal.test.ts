/**
 * A device whose identity changed is refused, not tested: the real IdentityGuard asks the meters on
 * the link for their DeviceID (as it does when a serial link comes back), and the bench's session
 * then runs none of the refused device's tests; the other device on the same link is tested.
 */
import { deviceIdReader, IdentityGuard } from '../../../harness/nms/identity-guard.js';
import { memoryBenchPerTest, registrationSuite } from './support/memory-bench.js';
import { runOnMemory } from './support/run-memory.js';

const openBench = memoryBenchPerTest();

test('a meter answering with another EUI-64 is refused and its tests are not run; its neighbour is tested', async () => {
  let guard: IdentityGuard | undefined;
  const mb = await openBench({ meters: 2, refusal: (d) => guard?.refusal(d)?.message });
  const [m1, m2] = mb.rig.devices;
  // The rig names meter-2 by an EUI-64 nothing on the link has: what a swapped board looks like.
  const swapped = [m1!, { ...m2!, eui64: '00173bfffe00ffff' }];
  guard = new IdentityGuard(swapped, deviceIdReader(mb.nms.client, mb.bench.toClockMs(5000)));
  const suite = registrationSuite(`  - name: registers
    steps:
      - expect-state: { state: up, within: 2m }
`);
  const before = await runOnMemory(mb, [suite]);
  expect([...before.values()].map((f) => f.result.status)).toEqual(['passed', 'passed']);

  const verdicts = await guard.checkLink('mesh');
  expect(verdicts.map((v) => [v.device, v.outcome])).toEqual([
    ['meter-1', 'same'],
    ['meter-2', 'changed'],
  ]);
  const after = await runOnMemory(mb, [suite]);
  expect(after.get('s @ meter-1 › registers')!.result.status).toBe('passed');
  const refused = after.get('s @ meter-2 › registers')!.result;
  expect(refused.status).toBe('error');
  // No step of the test ran: the session's setup refused, and its restore still put the bench back.
  expect(refused.steps.map((s) => [s.phase, s.text, s.status])).toEqual([
    ['session', 'setup', 'error'],
    ['session', 'restore', 'passed'],
  ]);
  expect(refused.failure!.message).toBe(
    'session setup: meter-2: not tested: meter-2: refused: DeviceID 00173BFFFE000002 answers where the rig says 00173BFFFE00FFFF: another device came back on link mesh',
  );
});
