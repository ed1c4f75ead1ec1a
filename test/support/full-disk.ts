/**
 * A disk that fills up and frees again, for writers built on RecordFile: while full, a write gets
 * at most the room left (a short write, as the kernel gives) and then ENOSPC; freed, writes go
 * through. The file operations themselves are the real ones.
 */
import { RecordFile, type RecordIo } from '../../core/append-record.js';

export interface FullDisk {
  io: RecordIo;
  /** From now on only `room` more bytes fit. */
  fill(room: number): void;
  free(): void;
}

export function fullDisk(): FullDisk {
  let room: number | undefined;
  const io: RecordIo = {
    write(fd, bytes, offset, length, position) {
      if (room === 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      const n = RecordFile.systemIo.write(fd, bytes, offset, room === undefined ? length : Math.min(length, room), position);
      if (room !== undefined) room -= n;
      return n;
    },
    truncate: (fd, length) => RecordFile.systemIo.truncate(fd, length),
  };
  return { io, fill: (n) => void (room = n), free: () => void (room = undefined) };
}
