/**
 * How a power command failed: it exited non-zero ('exit-code'), died of a signal ('signal'), ran
 * past its timeout and was killed ('timeout'), or could not be started ('spawn').
 */
export type PowerErrorCode = 'exit-code' | 'signal' | 'timeout' | 'spawn';

/** A power command failed. Names the device, the action and the exact command, and quotes its output. */
export class PowerError extends Error {
  override readonly name = 'PowerError';
  constructor(
    readonly device: string,
    readonly action: string,
    readonly command: string,
    readonly code: PowerErrorCode,
    readonly detail: { exitCode?: number; signal?: string; timeoutMs?: number; output: string },
  ) {
    super(`power ${device}: ${action} command '${command}' ${describe(code, detail)}${detail.output ? `; output: ${JSON.stringify(tail(detail.output))}` : ''}`);
  }

  get exitCode(): number | undefined {
    return this.detail.exitCode;
  }

  get output(): string {
    return this.detail.output;
  }
}

function describe(f: PowerErrorCode, d: PowerError['detail']): string {
  switch (f) {
    case 'exit-code':
      return `exited with code ${d.exitCode}`;
    case 'signal':
      return `was killed by ${d.signal}`;
    case 'timeout':
      return `did not finish within ${d.timeoutMs} ms (killed)`;
    case 'spawn':
      return 'could not be started';
  }
}

function tail(s: string): string {
  return s.length > 400 ? `…${s.slice(-400)}` : s;
}
