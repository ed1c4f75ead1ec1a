/** TextSink against real node:stream Writables: backpressure waited for, and never waited for twice. */
import { describe, expect, test } from '@jest/globals';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { TextSink } from '../../../harness/cli/text-sink.js';

/** A writer that takes each chunk on the next turn of the loop, as a pipe to a reader does. */
function slowWriter(): { stream: Writable; written: () => Buffer } {
  const got: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _enc, done) {
      got.push(chunk);
      setImmediate(done);
    },
  });
  return { stream, written: () => Buffer.concat(got) };
}

/** Rejects instead of hanging: a flush that waits for a drain which already happened never ends. */
function settles<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not settle`)), 10_000)));
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

describe('TextSink', () => {
  test('a flush after the stream has drained by itself returns (the drain is not waited for again)', async () => {
    // A full batch goes out from bytes(), the stream says it is full, and its drain comes while the
    // caller awaits something else (the decode pool): the flush afterwards must not wait for a
    // second drain that nothing will cause. It hung `hil decode --threads 3` at the end of its output.
    const { stream, written } = slowWriter();
    const sink = new TextSink(stream);
    sink.bytes(Buffer.alloc((1 << 18) + 3, 0x61));
    await once(stream, 'drain');
    await settles(sink.flush(), 'flush');
    await settles(sink.flush(), 'a second flush');
    expect(written().length).toBe((1 << 18) + 3);
  });

  test('a flush while the stream is full waits for its drain, then everything is written in order', async () => {
    const { stream, written } = slowWriter();
    const sink = new TextSink(stream);
    let drained = false;
    stream.once('drain', () => (drained = true));
    for (let i = 0; i < 3; i++) sink.line(`line ${i}`);
    await settles(sink.flush(), 'flush');
    expect(drained).toBe(true);
    expect(written().toString('utf8')).toBe('line 0\nline 1\nline 2\n');
  });
});
