/**
 * What the board tells whoever runs on it (the CSMP agent) and what it asks of it. The board
 * calls these; the agent registers them with VirtualBoard.setHooks(). All optional: a board
 * with nothing registered still answers its console.
 */
export type FlashChange =
  | { kind: 'config'; field: string; path: string; value: string | number | boolean }
  | { kind: 'cert'; action: 'install' | 'damage' }
  | { kind: 'flash'; action: 'corrupt' | 'restore' };

export type StatsSnapshot = string | Readonly<Record<string, string | number | boolean | bigint>>;

export interface BoardHooks {
  /** Power came on: boot. */
  onPowerOn?(): void;
  /** Power went off: stop everything, volatile state is lost. */
  onPowerOff?(): void;
  /** `reboot` on the console (power stays on). */
  onReboot?(): void;
  /** `stats` on the console: what to print (a record prints as `key value` lines). */
  statsProvider?(): StatsSnapshot | Promise<StatsSnapshot>;
  /** Something in flash changed through the console. */
  onConfigChanged?(change: FlashChange): void;
}
