import { PassThrough } from 'node:stream';
import { TransferProgress } from '../../../harness/cli/transfer-progress.js';
import type { TransferEvent } from '../../../harness/nms/transfer/events.js';

function capture(tty: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  stream.columns = 100;
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  let t = 0;
  const p = new TransferProgress({ stream, tty, now: () => t });
  return { p, text: () => text, tick: (ms: number) => (t += ms) };
}

const run = (c: ReturnType<typeof capture>) => {
  const events: TransferEvent[] = [
    { type: 'transfer-request', device: 'meter-1', ok: true, name: 'accepted' },
    { type: 'start', devices: ['meter-1'], blocks: 10, blockSize: 1000, bytes: 10_000 },
  ];
  for (const e of events) c.p.event(e);
  for (let b = 0; b < 10; b++) {
    c.tick(100);
    c.p.event({ type: 'block', block: b, round: 1, bytes: 1100 });
    if (b === 4) c.p.event({ type: 'progress', device: 'meter-1', received: 5, blocks: 10 });
  }
  c.p.event({ type: 'round', round: 1, missing: { 'meter-1': 0 } });
  c.p.done();
};

test('plain lines when not on a terminal: answers, every tenth of the blocks, rounds', () => {
  const c = capture(false);
  run(c);
  expect(c.text().split('\n')).toEqual([
    'meter-1: TransferRequest accepted',
    '10000 bytes in 10 blocks of 1000 B to meter-1',
    'sent 1/10 blocks; confirmed: meter-1 0/10',
    'sent 2/10 blocks; confirmed: meter-1 0/10',
    'sent 3/10 blocks, 16.5 kB/s; confirmed: meter-1 0/10',
    'sent 4/10 blocks, 14.7 kB/s; confirmed: meter-1 0/10',
    'sent 5/10 blocks, 13.8 kB/s; confirmed: meter-1 0/10',
    'sent 6/10 blocks, 13.2 kB/s; confirmed: meter-1 5/10',
    'sent 7/10 blocks, 12.8 kB/s; confirmed: meter-1 5/10',
    'sent 8/10 blocks, 12.6 kB/s; confirmed: meter-1 5/10',
    'sent 9/10 blocks, 12.4 kB/s; confirmed: meter-1 5/10',
    'sent 10/10 blocks, 12.2 kB/s; confirmed: meter-1 5/10',
    'round 1: meter-1 has every block',
    '',
  ]);
});

test('on a terminal: a live bar of the confirmed blocks with rate and time left', () => {
  const c = capture(true);
  run(c);
  const screen = c.text().replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  expect(screen).toContain('meter-1  [████████████████████████] 10/10 blocks');
  expect(screen).toContain('meter-1  [████████████░░░░░░░░░░░░] 5/10 blocks');
  expect(screen).toMatch(/sent 10 blocks {2}12\.2 kB\/s {2}ETA 0ms/);
});
