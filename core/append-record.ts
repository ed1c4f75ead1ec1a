/**
 * An append-only file of line records (the event log, the run history) where a record is in the
 * file whole or not at all. A full disk makes the kernel write part of a line (a short write) and
 * then refuse the rest; a single unchecked write left that part in place, and the next record
 * written after space came back was glued to it, so readers lost the whole file to one bad line
 * in its middle. Here a short write is continued, and a write that fails cuts the file back to the
 * end of the last whole record before the error is thrown to the caller, who reports the loss.
 * Writes are positional, so the cut leaves no hole for the next record.
 */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

/** The system calls used, replaceable in tests to play a short write or a refusal. */
export interface RecordIo {
  write(fd: number, bytes: Uint8Array, offset: number, length: number, position: number): number;
  truncate(fd: number, length: number): void;
}

const SYSTEM: RecordIo = {
  write: (fd, bytes, offset, length, position) => writeSync(fd, bytes, offset, length, position),
  truncate: (fd, length) => ftruncateSync(fd, length),
};

export class RecordFile {
  /** The real system calls, for tests that replace only one. */
  static readonly systemIo: RecordIo = SYSTEM;
  /** Where the last whole record ends. */
  private end = 0;
  private fd: number | undefined;

  /** Opens `path` with `flags` ('w' or 'wx': a new, empty file). */
  constructor(path: string, flags: 'w' | 'wx', private readonly io: RecordIo = SYSTEM) {
    this.fd = openSync(path, flags);
  }

  /** Appends `line` (newline included) whole, or throws the system's error having written nothing of it. */
  append(line: string): void {
    if (this.fd === undefined) return;
    const bytes = Buffer.from(line, 'utf8');
    let done = 0;
    try {
      while (done < bytes.length) done += this.io.write(this.fd, bytes, done, bytes.length - done, this.end + done);
    } catch (e) {
      try {
        this.io.truncate(this.fd, this.end);
      } catch {
        // Cannot cut it (an I/O error): the next record overwrites it from the same place, and a
        // reader skips a broken line left at the end.
      }
      throw e;
    }
    this.end += bytes.length;
  }

  /** Where the last whole record ends. */
  get size(): number {
    return this.end;
  }

  /**
   * Writes `line` at `at` (where an earlier record ends) as the file's last record, cutting what
   * followed it: a closing record that must get in on a full disk goes over records already there,
   * whose blocks need no new space. Throws the system's error as append does.
   */
  writeOver(at: number, line: string): void {
    if (this.fd === undefined) return;
    const bytes = Buffer.from(line, 'utf8');
    let done = 0;
    while (done < bytes.length) done += this.io.write(this.fd, bytes, done, bytes.length - done, at + done);
    this.io.truncate(this.fd, at + bytes.length);
    this.end = at + bytes.length;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
