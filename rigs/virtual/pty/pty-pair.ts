import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { ResourceError, resourceCodeOf } from '../../../core/errors.js';

// The helper is plain Python and is not compiled: find it in the source tree whether this module
// runs from source (jest) or from dist/.
function helperPath(): string {
  const here = fileURLToPath(import.meta.url);
  const cut = here.lastIndexOf("/dist/rigs/") >= 0 ? here.lastIndexOf("/dist/rigs/") : here.lastIndexOf("/rigs/virtual/pty/");
  return `${here.slice(0, cut)}/rigs/virtual/pty/pty-helper.py`;
}

/**
 * The device side of a pseudo-terminal. `path` is what a serial driver opens (the symlink when one
 * was asked for). Events: 'data' (Buffer) from the harness side, 'close' when the helper exits.
 */
export class PtyPair extends EventEmitter {
  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
    readonly ttyPath: string,
    readonly path: string,
  ) {
    super();
    child.stdout.on('data', (b: Buffer) => this.emit('data', b));
    child.on('exit', () => this.emit('close'));
    // A write racing the helper's exit gives EPIPE; the 'close' event already says the pty is gone.
    child.stdin.on('error', () => {});
  }

  static open(opts: { link?: string } = {}): Promise<PtyPair> {
    const args = [helperPath()];
    if (opts.link) args.push('--link', opts.link);
    const child = spawn('python3', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    return new Promise((resolve, reject) => {
      let err = '';
      const onData = (b: Buffer) => {
        err += b.toString();
        const m = /^PTY (\S+)\n/m.exec(err);
        if (m) {
          child.stderr.off('data', onData);
          child.off('exit', onExit);
          resolve(new PtyPair(child, m[1]!, opts.link ?? m[1]!));
        }
      };
      const onExit = (code: number | null) =>
        reject(new ResourceError('pty', 'unavailable', `pty helper exited (${code}) before announcing a path: ${err.trim()}`));
      child.stderr.on('data', onData);
      child.once('exit', onExit);
      child.once('error', (e) => reject(new ResourceError('pty', resourceCodeOf(e), `cannot start python3 for the pty helper: ${e.message}`, { cause: e })));
    });
  }

  write(bytes: Uint8Array): void {
    if (!this.child.stdin.destroyed) this.child.stdin.write(bytes);
  }

  /** Close the master side: the harness side sees the device vanish. Resolves when the helper has exited. */
  close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}
