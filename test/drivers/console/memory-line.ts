/** An in-memory console line: the test plays the board and decides exactly how bytes are chunked. */
import type { ConsoleConnector, ConsoleLineHandlers } from '../../../drivers/console/line.js';

export class MemoryBoardLine {
  handlers: ConsoleLineHandlers | undefined;
  readonly written: string[] = [];
  closed = false;
  /** Called with each line the harness writes. */
  onWrite: (text: string) => void = () => {};

  readonly connector: ConsoleConnector = async (_path, _baud, h) => {
    this.handlers = h;
    return {
      write: async (bytes) => {
        const text = Buffer.from(bytes).toString('utf8');
        this.written.push(text);
        this.onWrite(text);
      },
      close: async () => {
        this.closed = true;
      },
    };
  };

  send(data: string | Uint8Array): void {
    this.handlers!.data(Buffer.from(data));
  }
}
