/**
 * A file written synchronously, one record per call, for stream reporters sent to a file
 * (`tap=FILE`): a run killed at any moment leaves every record it reported, and a write error (disk
 * full) is thrown where the reporter wrote, where the run's recording guard sees it — not emitted
 * later as a stream 'error' event nobody listens to.
 *
 * A record is in the file whole or not at all (core/append-record.ts): a full disk used to leave
 * half a TAP line at the end. The closing record (TAP's loss marker) must get in even then, so
 * `writeLast` puts it over the last whole records when it cannot be appended: their bytes are
 * already the file's, and writing over them needs no new space.
 */
import { RecordFile } from '../../core/append-record.js';

const KEPT_RECORDS = 64;

export class SyncFileStream {
  private readonly file: RecordFile;
  private closed = false;
  /** Where each of the last records ends, and its text: the ones writeLast may have to give up (a marker is one line, so few). */
  private readonly records: { end: number; text: string }[] = [];
  /** Where the records no longer kept end: writeLast never writes before it. */
  private floor = 0;

  constructor(path: string) {
    this.file = new RecordFile(path, 'w');
  }

  write(text: string | Uint8Array): boolean {
    if (this.closed) return false;
    const line = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
    this.file.append(line);
    this.records.push({ end: this.file.size, text: line });
    if (this.records.length > KEPT_RECORDS) this.floor = this.records.shift()!.end;
    return true;
  }

  /**
   * Appends `text` as the file's last record; when the disk refuses, writes it over the fewest last
   * records that make room, cutting the file after it. Returns the records given up (their text).
   */
  writeLast(text: string): string[] {
    if (this.closed) return [];
    try {
      this.write(text);
      return [];
    } catch (e) {
      const length = Buffer.byteLength(text, 'utf8');
      const end = this.file.size;
      let keep = this.records.length;
      while (keep > 0 && this.records[keep - 1]!.end + length > end) keep--;
      const at = keep > 0 ? this.records[keep - 1]!.end : this.floor;
      // Not even the kept records make room: nothing is written over, the append's error stands.
      if (at + length > end) throw e;
      const dropped = this.records.splice(keep).map((r) => r.text);
      this.file.writeOver(at, text);
      return dropped;
    }
  }

  close(): void {
    this.file.close();
    this.closed = true;
  }
}
