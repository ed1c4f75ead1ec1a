import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { SerialPort } from 'serialport';
import { ConfigError, DecodeError, ResourceError, resourceCodeOf } from '../../core/errors.js';
import { rejection, thrown } from '../support/errors.js';

describe('DecodeError', () => {
  test('the message joins layer, reason and offset; the code stays out of it', () => {
    const e = new DecodeError('coap', 4, 'truncated', 'token truncated: 1 of 2 bytes');
    expect(e.message).toBe('coap: token truncated: 1 of 2 bytes at byte 4');
    expect([e.name, e.layer, e.offset, e.code, e.reason]).toEqual(['DecodeError', 'coap', 4, 'truncated', 'token truncated: 1 of 2 bytes']);
  });

  test('shifted() moves the offset into the enclosing layer and keeps everything else', () => {
    const inner = new DecodeError('tlv', 6, 'truncated', 'varint missing');
    const outer = inner.shifted(52);
    expect(outer).toBeInstanceOf(DecodeError);
    expect([outer.layer, outer.offset, outer.code, outer.reason, outer.message]).toEqual(['tlv', 58, 'truncated', 'varint missing', 'tlv: varint missing at byte 58']);
    expect(inner.offset).toBe(6);
  });
});

test('ConfigError and ResourceError: where or resource, then the reason; the cause is kept', () => {
  const c = new ConfigError('--shard', 'value', "'5/4' is not i/n");
  expect([c.name, c.message, c.code]).toEqual(['ConfigError', "--shard: '5/4' is not i/n", 'value']);
  const cause = new Error('EIO');
  const r = new ResourceError('/dev/ttyUSB0', 'io', 'write failed: EIO', { cause });
  expect([r.name, r.message, r.code, r.cause]).toEqual(['ResourceError', '/dev/ttyUSB0: write failed: EIO', 'io', cause]);
});

describe('resourceCodeOf, on errors the system really raises', () => {
  test('a missing file is missing; a folder read as a file is unavailable', () => {
    expect(resourceCodeOf(thrown(() => readFileSync('/nonexistent/csmp-hil')))).toBe('missing');
    expect(resourceCodeOf(thrown(() => readFileSync(tmpdir())))).toBe('unavailable');
  });

  test('an address in use is busy; a closed port refuses', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const second = createServer().listen(port, '127.0.0.1');
      const [inUse] = await once(second, 'error');
      expect(resourceCodeOf(inUse)).toBe('busy');
    } finally {
      await new Promise((r) => server.close(r));
    }
    const socket = connect(port, '127.0.0.1');
    const [refused] = await once(socket, 'error');
    expect(resourceCodeOf(refused)).toBe('refused');
  });

  test("serialport's native binding gives only strerror text: a missing device is still missing", async () => {
    const port = new SerialPort({ path: '/dev/csmp-hil-no-such-tty', baudRate: 9600, autoOpen: false });
    const e = await rejection(new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve()))));
    expect((e as NodeJS.ErrnoException).code).toBeUndefined();
    expect(resourceCodeOf(e)).toBe('missing');
  });

  test('anything else is unavailable', () => {
    expect(resourceCodeOf(new Error('something odd'))).toBe('unavailable');
    expect(resourceCodeOf(undefined)).toBe('unavailable');
  });
});
