/** Rotating capture files: two writers started in the same second never take each other's names. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcap } from '../../../drivers/pcap/reader.js';
import { RotatingPcapWriter } from '../../../drivers/pcap/rotating-writer.js';
import { FRAME5 } from '../support/helpers.js';

describe('RotatingPcapWriter', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hil-rotate-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('two writers started in the same second, rotating, each keep every record in files of their own', () => {
    const startedAt = Date.UTC(2026, 11, 6, 10, 0, 0, 250);
    const a = new RotatingPcapWriter({ dir, maxBytes: 4096, prefix: 'monitor', startedAt });
    const b = new RotatingPcapWriter({ dir, maxBytes: 4096, prefix: 'monitor', startedAt: startedAt + 500 });
    // 59-byte packets, 75 bytes a record: 54 records per 4 KiB file, so 120 records are three files each.
    for (let i = 0; i < 120; i++) {
      a.write(FRAME5, startedAt + i);
      b.write(FRAME5, startedAt + 1000 + i);
    }
    a.close();
    b.close();
    expect(a.files.map((f) => f.slice(dir.length + 1))).toEqual(['monitor-20261206T100000Z-0001.pcap', 'monitor-20261206T100000Z-0003.pcap', 'monitor-20261206T100000Z-0005.pcap']);
    expect(b.files.map((f) => f.slice(dir.length + 1))).toEqual(['monitor-20261206T100000Z-0002.pcap', 'monitor-20261206T100000Z-0004.pcap', 'monitor-20261206T100000Z-0006.pcap']);
    expect(readdirSync(dir).length).toBe(6);
    const times = (files: string[]) => files.flatMap((f) => readPcap(readFileSync(f)).records.map((r) => r.time));
    expect(times(a.files)).toEqual(Array.from({ length: 120 }, (_, i) => startedAt + i));
    expect(times(b.files)).toEqual(Array.from({ length: 120 }, (_, i) => startedAt + 1000 + i));
  });
});
