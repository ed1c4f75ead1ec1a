import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceError } from '../../../core/errors.js';
import { ByteStream, createByteStream, SERIAL_DROP } from '../../../drivers/serial/byte-stream.js';
import type { Connector, Transport, TransportHandlers } from '../../../drivers/serial/transport.js';
import { next, within } from '../support/helpers.js';

/** An in-memory device: each connect() is scripted; writes complete only when told to. */
class FakeDevice extends EventEmitter {
  handlers: TransportHandlers | undefined;
  written: Buffer[] = [];
  pendingDone: ((e?: Error | null) => void)[] = [];
  failNext = 0;
  connects = 0;

  connector: Connector = async (h) => {
    this.connects++;
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    }
    this.handlers = h;
    const t: Transport = {
      write: (bytes, done) => {
        this.written.push(Buffer.from(bytes));
        this.pendingDone.push(done);
      },
      close: async () => {},
    };
    this.emit('connected');
    return t;
  };
}

describe('ByteStream (in-memory device)', () => {
  let dir: string;
  let n = 0;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hil-bs-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const make = (dev: FakeDevice, reconnect = { initialMs: 10, maxMs: 40 }) =>
    new ByteStream({ name: `fake${n++}`, endpoint: { kind: 'tcp', host: 'x', port: 1, url: `tcp://fake${n}:1` }, connector: dev.connector, reconnect, lockDir: dir });

  test('writes queued at the loss and writes while down are dropped and counted; backoff doubles to the cap', async () => {
    const dev = new FakeDevice();
    const s = make(dev);
    const drops: unknown[] = [];
    s.on('drop', (d) => drops.push(d));
    await s.open();
    s.write(Buffer.from('a'));
    s.write(Buffer.from('b'));
    dev.pendingDone.shift()!(null); // 'a' reached the OS, 'b' did not

    dev.failNext = 4;
    const retries: { attempt: number; delayMs: number }[] = [];
    s.on('retry', (r: { attempt: number; delayMs: number }) => retries.push({ attempt: r.attempt, delayMs: r.delayMs }));
    const down = next(s, 'down');
    dev.handlers!.lost(new Error('gone'));
    await down;
    expect(s.write(Buffer.from('c'))).toBe(false);
    // A late completion from the dead connection changes nothing.
    dev.pendingDone.shift()!(new Error('EIO'));

    await next(s, 'up', 5000);
    expect(retries).toEqual([
      { attempt: 1, delayMs: 20 },
      { attempt: 2, delayMs: 40 },
      { attempt: 3, delayMs: 40 },
      { attempt: 4, delayMs: 40 },
    ]);
    expect(s.drops.snapshot()).toEqual({ [SERIAL_DROP.queuedAtLoss]: 1, [SERIAL_DROP.whileDown]: 1 });
    expect(drops).toEqual([
      { layer: 'serial', reason: SERIAL_DROP.queuedAtLoss, count: 1 },
      { layer: 'serial', reason: SERIAL_DROP.whileDown, count: 1 },
    ]);
    expect(dev.written.map(String)).toEqual(['a', 'b']);

    // After the replug, only new writes go out.
    s.write(Buffer.from('d'));
    expect(dev.written.map(String)).toEqual(['a', 'b', 'd']);
    await s.close();
  });

  test('close() while reconnecting stops the attempts and releases the port', async () => {
    const dev = new FakeDevice();
    const s = make(dev);
    await s.open();
    dev.failNext = 1000;
    const down = next(s, 'down');
    dev.handlers!.lost(new Error('gone'));
    await down;
    await next(s, 'retry');
    await s.close();
    const after = dev.connects;
    // One more backoff period passes without another attempt: wait for a timer we own, not a sleep.
    await within(new Promise((res) => setTimeout(res, 100)), 1000, 'idle period');
    expect(dev.connects).toBe(after);
    // And the port can be taken again.
    const again = new ByteStream({
      name: 'again',
      endpoint: { kind: 'tcp', host: 'x', port: 1, url: `tcp://fake${n - 1}:1` },
      connector: new FakeDevice().connector,
      reconnect: { initialMs: 10, maxMs: 10 },
      lockDir: dir,
    });
    await again.open();
    await again.close();
  });

  test('a device absent at open() is a ResourceError, and the lock is released', async () => {
    const dev = new FakeDevice();
    dev.failNext = 1;
    const s = make(dev);
    await expect(s.open()).rejects.toThrow(ResourceError);
    await expect(s.open()).resolves.toBeUndefined();
    await s.close();
  });

  test('config errors name the option', () => {
    expect(() => createByteStream({ path: '/dev/ttyX' })).toThrow(/"baudRate"/);
    expect(() => createByteStream({ path: 'udp://h:1', baudRate: 1 })).toThrow(/"path" scheme udp:/);
    expect(() => createByteStream({ path: 'tcp://host', baudRate: 1 })).toThrow(/must be tcp:\/\/host:port/);
    expect(() => createByteStream({ path: '/dev/ttyX', baudRate: 9600, parity: 'weird' as never })).toThrow(/"parity"/);
    expect(() => createByteStream({ path: '/dev/ttyX', baudRate: 9600, reconnect: { initialMs: 100, maxMs: 10 } })).toThrow(/"reconnect.maxMs"/);
    expect(() => createByteStream({ path: '', baudRate: 9600 })).toThrow(/"path"/);
  });
});
