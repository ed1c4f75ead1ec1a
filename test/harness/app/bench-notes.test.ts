/**
 * The links' evidence about themselves reaches the reports: the device node a serial link bound to
 * at open, where a re-enumerated dongle came back, and a dead holder's port lease taken over become
 * run notes (BenchObservations), held by the run observer until the reporters have begun, then
 * written to the event log and shown in the HTML report. The link is an in-memory one emitting what
 * SlipLink forwards from its byte stream (test/drivers/link/slip-link.usb.test.ts proves that part
 * on a pty that disappears and comes back under another path).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchObservations } from '../../../harness/app/bench-observations.js';
import { RunObserver } from '../../../harness/app/run-observer.js';
import { loadRig } from '../../../harness/config/rig.js';
import { Multiplexer } from '../../../harness/model/multiplexer.js';
import type { RunNote, TestCase } from '../../../harness/model/run-model.js';
import { emptyCounts } from '../../../harness/model/run-model.js';
import { EventLogReporter } from '../../../harness/report/event-log.js';
import { HtmlReporter } from '../../../harness/report/html/reporter.js';
import type { LeaseTakeover } from '../../../core/lease.js';
import type { PortBinding } from '../../../drivers/serial/byte-stream.js';
import { MemoryLink } from '../../support/memory-link.js';
import { tempDir } from '../../suites/support/rigs.js';

const tmp = tempDir('hil-notes-');
afterAll(() => tmp.cleanup());

const bound = (device: string, previous?: string): PortBinding => ({
  port: 'usb:serial=A10K3XYZ',
  path: device,
  device,
  message: previous ? `usb:serial=A10K3XYZ: came back as ${device}, was ${previous}` : `usb:serial=A10K3XYZ: bound to ${device}`,
  ...(previous ? { previous } : {}),
});

test('port bindings, re-enumerations and port lease takeovers are run notes in the event log and the HTML report', async () => {
  const rig = await loadRig('rigs/virtual.yaml');
  const observations = new BenchObservations(rig);
  const link = new MemoryLink('dongle0');
  observations.watchLink(link);
  link.emit('bound', bound('/dev/ttyUSB0'));
  const takeover: LeaseTakeover = {
    key: 'port:usb:serial=A10K3XYZ',
    label: 'port usb:serial=A10K3XYZ',
    previous: { key: 'port:usb:serial=A10K3XYZ', label: 'port usb:serial=A10K3XYZ', token: 't', since: '2026-01-05T02:00:00.000Z', expires: '2026-01-05T02:00:30.000Z', ttlMs: 30_000, owner: { user: 'ci', host: 'rack-7', pid: 4242, command: 'hil run' } },
    reason: 'its lease expired at 2026-01-05T02:00:30.000Z',
  };
  link.emit('takeover', takeover);

  const seen: RunNote[] = [];
  const events = join(tmp.dir, 'events.jsonl');
  const html = join(tmp.dir, 'report.html');
  const reporters = new Multiplexer([{ name: 'seen', onNote: (n: RunNote) => void seen.push(n) }, new EventLogReporter({ outputFile: events }), new HtmlReporter({ outputFile: html })]);
  const observer = new RunObserver(observations, reporters);
  const tc = { id: 't1', name: 'x', title: 's @ meter-1 › x', suite: { name: 's', branch: 'b', file: 's.yaml' }, device: rig.devices[0]!, rig: 'virtual', where: 's.yaml:1:1', requires: { capabilities: [], nmsAddresses: [] }, retries: 0 } as unknown as TestCase;
  const run = new Multiplexer([observer, reporters]);
  run.onBegin({ rig: { name: 'virtual', file: 'rigs/virtual.yaml' }, startTime: 1000, tests: [tc], retries: 0, bail: false });
  // Held until the reporters have begun: the bench opened before anything listened.
  expect(seen).toEqual([]);
  run.onTestBegin(tc, { retry: 0, startTime: 1001 });
  link.emit('bound', bound('/dev/ttyUSB3', '/dev/ttyUSB0'));
  link.emit('bound', bound('/dev/ttyUSB3', '/dev/ttyUSB0'));
  observer.stop();
  link.emit('bound', bound('/dev/ttyUSB4', '/dev/ttyUSB3'));
  await run.onEnd({ status: 'passed', startTime: 1000, duration: 5, counts: emptyCounts() });

  const expected = [
    ['port-bound', 'link dongle0: usb:serial=A10K3XYZ: bound to /dev/ttyUSB0'],
    ['lease-takeover', 'port usb:serial=A10K3XYZ: took over the lease of ci@rack-7 pid 4242 (held since 2026-01-05T02:00:00.000Z): its lease expired at 2026-01-05T02:00:30.000Z'],
    ['device-rebound', 'link dongle0: usb:serial=A10K3XYZ: came back as /dev/ttyUSB3, was /dev/ttyUSB0'],
    ['device-rebound', 'link dongle0: usb:serial=A10K3XYZ: came back as /dev/ttyUSB3, was /dev/ttyUSB0'],
  ];
  expect(seen.map((n) => [n.kind, n.message])).toEqual(expected);
  expect(seen.every((n) => n.link === 'dongle0')).toBe(true);
  // The bench keeps every note; the stopped observer passed on none after it stopped.
  expect(observations.notes.map((n) => n.kind)).toEqual(['port-bound', 'lease-takeover', 'device-rebound', 'device-rebound', 'device-rebound']);

  const logged = readFileSync(events, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; note?: RunNote });
  expect(logged.filter((e) => e.type === 'note').map((e) => [e.note!.kind, e.note!.message])).toEqual(expected);
  const page = readFileSync(html, 'utf8');
  const data = JSON.parse(/<script type="application\/json" id="run-data">([^<]*)<\/script>/.exec(page)![1]!) as { notes: string[] };
  expect(data.notes.map((n) => n.replace(/^\S+ /, ''))).toEqual(expected.map(([k, m]) => `${k}: ${m}`));
});
