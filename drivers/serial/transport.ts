/**
 * One connection to a device: opened once, lost or closed once. Reconnecting is the ByteStream's
 * job, which makes a fresh Transport each time — so nothing written to a dead connection can reach
 * the next one (serialport queues writes made while closed and sends them after reopen).
 */
export interface Transport {
  /** `done` runs once the bytes are handed to the OS, or with an error if they never will be. */
  write(bytes: Uint8Array, done: (err?: Error | null) => void): void;
  /** Orderly close; no `lost` follows. */
  close(): Promise<void>;
}

export interface TransportHandlers {
  data(chunk: Buffer): void;
  /** The connection is gone (device unplugged, peer closed, I/O error). Called at most once. */
  lost(err: Error): void;
}

export type Connector = (h: TransportHandlers) => Promise<Transport>;
