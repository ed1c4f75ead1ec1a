/** hil check's power finding: programs looked up as /bin/sh would, never run. */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { powerCheck } from '../../../harness/app/check-rig.js';
import type { DeviceSpec } from '../../../harness/config/rig.js';

const device = (power?: DeviceSpec['power']): DeviceSpec => ({
  name: 'm1',
  eui64: '00173b0000000001',
  address: '2001:db8::101',
  link: 'd',
  port: 61628,
  expected: { firmwareVersion: '1', hwId: 'h', firmwareGroup: '1' },
  capabilities: [],
  ...(power ? { power } : {}),
});

describe('powerCheck', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'hil-check-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('programs on PATH or by path are found; a missing one is named per command; nothing is run', async () => {
    const relay = join(dir, 'relay-ctl');
    const ran = join(dir, 'ran');
    writeFileSync(relay, `#!/bin/sh\ntouch ${ran}\n`);
    chmodSync(relay, 0o755);
    expect(await powerCheck(device({ on: `${relay} 3 on`, off: 'true', cycle: 'no-such-relay-ctl 3 cycle', timeoutMs: 1000 }))).toEqual({
      status: 'problem',
      text: "cycle: 'no-such-relay-ctl' not found",
    });
    expect(await powerCheck(device({ on: `${relay} 3 on`, off: `${relay} 3 off`, timeoutMs: 1000 }))).toEqual({ status: 'ok', text: 'on/off commands found (not run)' });
    expect(await powerCheck(device())).toEqual({ status: 'absent', text: 'not configured' });
    expect(existsSync(ran)).toBe(false);
  });
});
