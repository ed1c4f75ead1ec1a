export type PowerFailure = 'exit-code' | 'signal' | 'timeout' | 'spawn';

/** A power command failed. Names the device, the action and the exact command, and quotes its output. */
export class PowerError extends Error {
  override readonly name = 'PowerError';
  constructor(
    readonly device: string,
    readonly action: string,
    readonly command: string,
    readonly failure: PowerFailure,
    readonly detail: { exitCode?: number; signal?: string; timeoutMs?: number; output: string },
  ) {
    super(`power ${device}: ${action} command '${command}' ${describe(failure, detail)}${detail.output ? `; output: ${JSON.stringify(tail(detail.output))}` : ''}`);
  }

  get exitCode(): number | undefined {
    return this.detail.exitCode;
  }

  get output(): string {
    return this.detail.output;
  }
}

function describe(f: PowerFailure, d: PowerError['detail']): string {
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
