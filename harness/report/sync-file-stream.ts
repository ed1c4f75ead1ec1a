/**
 * A file written synchronously, one write per call, for stream reporters sent to a file
 * (`tap=FILE`): a run killed at any moment leaves every line it reported, and a write error (disk
 * full) is thrown where the reporter wrote, where the run's recording guard sees it — not emitted
 * later as a stream 'error' event nobody listens to.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export class SyncFileStream {
  private fd: number | undefined;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(text: string | Uint8Array): boolean {
    if (this.fd === undefined) return false;
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    let at = 0;
    while (at < bytes.length) at += writeSync(this.fd, bytes, at, bytes.length - at);
    return true;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
