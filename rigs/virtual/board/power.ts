/**
 * A board's supply: on or off. Switching it off stops the board (the agent's onPowerOff, the
 * console goes silent); switching it on boots it. Listeners are told after the hooks, so the
 * console's boot banner comes once the agent has booted.
 */
import type { BoardHooks } from './hooks.js';

export type PowerListener = (on: boolean) => void;

export class BoardPower {
  private state: boolean;
  private readonly listeners = new Set<PowerListener>();

  constructor(
    initiallyOn: boolean,
    private readonly hooks: () => BoardHooks = () => ({}),
  ) {
    this.state = initiallyOn;
  }

  get isOn(): boolean {
    return this.state;
  }

  /** Returns whether anything changed. */
  on(): boolean {
    if (this.state) return false;
    this.state = true;
    this.hooks().onPowerOn?.();
    this.notify();
    return true;
  }

  off(): boolean {
    if (!this.state) return false;
    this.state = false;
    this.hooks().onPowerOff?.();
    this.notify();
    return true;
  }

  /** Off (if on), then on: a board that was off simply boots. */
  cycle(): void {
    this.off();
    this.on();
  }

  onChange(listener: PowerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l(this.state);
  }
}
