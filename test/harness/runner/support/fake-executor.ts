import type { Step } from '../../../../harness/config/steps.js';
import type { StepContext, StepExecutor, StepOutcome } from '../../../../harness/runner/executor.js';

export type Behaviour = (step: Step, ctx: StepContext) => Promise<StepOutcome>;

export interface Call {
  device: string;
  test: string;
  retry: number;
  step: string;
}

/**
 * Records every call and lets a test script behaviour by step text and device. `started(n)` resolves
 * once n calls have begun, which is how tests wait for the scheduler without sleeping.
 */
export class FakeExecutor implements StepExecutor {
  readonly calls: Call[] = [];
  readonly events: string[] = [];
  private readonly behaviours: { match: (step: Step, ctx: StepContext) => boolean; run: Behaviour }[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];
  private active = new Map<string, number>();
  maxActivePerDevice = 0;
  maxActiveOverall = 0;

  when(stepText: string, run: Behaviour, device?: string): this {
    this.behaviours.unshift({ match: (s, c) => s.text === stepText && (!device || c.device.name === device), run });
    return this;
  }

  started(n: number): Promise<void> {
    if (this.calls.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  async execute(step: Step, ctx: StepContext): Promise<StepOutcome> {
    const device = ctx.device.name;
    this.calls.push({ device, test: ctx.test.name, retry: ctx.retry, step: step.text });
    this.events.push(`start ${device} ${ctx.test.name} ${step.text}`);
    this.active.set(device, (this.active.get(device) ?? 0) + 1);
    this.maxActivePerDevice = Math.max(this.maxActivePerDevice, this.active.get(device)!);
    this.maxActiveOverall = Math.max(this.maxActiveOverall, [...this.active.values()].reduce((a, b) => a + b, 0));
    this.waiters = this.waiters.filter((w) => (this.calls.length >= w.n ? (w.resolve(), false) : true));
    try {
      const behaviour = this.behaviours.find((b) => b.match(step, ctx));
      return behaviour ? await behaviour.run(step, ctx) : { status: 'passed' };
    } finally {
      this.active.set(device, this.active.get(device)! - 1);
      this.events.push(`end ${device} ${ctx.test.name} ${step.text}`);
    }
  }
}

/** A step that never settles and ignores its signal: the worst a driver can do. */
export const hang: Behaviour = () => new Promise<StepOutcome>(() => {});

/** A step that waits until aborted, as a well-behaved driver does. */
export const untilAborted: Behaviour = (_s, ctx) =>
  new Promise<StepOutcome>((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));

export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}
