import { mkdtempSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordFile, type RecordIo } from '../../core/append-record.js';
import { thrown } from '../support/errors.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hil-record-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const enospc = (): NodeJS.ErrnoException => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

test('a record the disk refuses half-way is cut back whole; the next one follows the last whole record', () => {
  const file = join(dir, 'log.jsonl');
  const writes: number[] = [];
  let room: number | undefined;
  const truncated: number[] = [];
  const io: RecordIo = {
    write(fd, bytes, offset, length, position) {
      writes.push(position);
      if (room === 0) throw enospc();
      const n = writeSync(fd, bytes, offset, room === undefined ? length : Math.min(length, room), position);
      if (room !== undefined) room -= n;
      return n;
    },
    truncate(fd, length) {
      truncated.push(length);
      // The real one, so the file is as the kernel would leave it.
      RecordFile.systemIo.truncate(fd, length);
    },
  };
  const out = new RecordFile(file, 'w', io);
  out.append('{"n":1}\n');
  room = 5; // a short write of 5 bytes, then ENOSPC
  expect((thrown(() => out.append('{"n":2,"long":"xxxxxxxx"}\n')) as NodeJS.ErrnoException).code).toBe('ENOSPC');
  expect(truncated).toEqual([8]);
  expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n');
  room = undefined;
  out.append('{"n":3}\n');
  out.close();
  expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":3}\n');
  // The short write was continued where it stopped, before the refusal.
  expect(writes).toEqual([0, 8, 13, 8]);
});

test('short writes are continued until the record is whole', () => {
  const file = join(dir, 'log.jsonl');
  const io: RecordIo = { write: (fd, bytes, offset, length, position) => writeSync(fd, bytes, offset, Math.min(length, 3), position), truncate: RecordFile.systemIo.truncate };
  const out = new RecordFile(file, 'wx', io);
  out.append('{"a":"ümlaut"}\n');
  out.append('{"b":2}\n');
  out.close();
  expect(readFileSync(file, 'utf8')).toBe('{"a":"ümlaut"}\n{"b":2}\n');
});
