/**
 * What the terminal reporters share: whether to colour, the colours, and the line a run prints the
 * moment it knows what it will do (before the rig, which takes seconds, is open).
 */

export interface ColourEnvironment {
  FORCE_COLOR?: string | undefined;
  NO_COLOR?: string | undefined;
  TERM?: string | undefined;
}

/**
 * Colour for a stream: FORCE_COLOR wins ('0' or 'false' turn it off, anything else on, as Node
 * reads it), then NO_COLOR (https://no-color.org: present and not empty turns it off), then a dumb
 * terminal, then whether the stream is a TTY.
 */
export function colourWanted(stream: { isTTY?: boolean }, env: ColourEnvironment): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export interface Paint {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const sgr =
  (on: number, off: number) =>
  (s: string): string =>
    `\x1b[${on}m${s}\x1b[${off}m`;

export function paint(colour: boolean): Paint {
  if (!colour) {
    const same = (s: string): string => s;
    return { red: same, green: same, yellow: same, dim: same, bold: same };
  }
  return { red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), dim: sgr(2, 22), bold: sgr(1, 22) };
}

/** "a, b, c" or, for long lists, "a, b, … z (40)". */
export function shortList(names: readonly string[], max = 6): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max - 1).join(', ')}, … ${names[names.length - 1]} (${names.length})`;
}

export interface RunPlan {
  rig: { name: string; file: string };
  devices: readonly string[];
  suites: readonly string[];
  tests: number;
}

/** `rig virtual (rigs/virtual.yaml) · 4 devices: meter-1, … · 9 suites: registration, … · 88 tests` */
export function startupLine(p: RunPlan): string {
  const n = (count: number, what: string): string => `${count} ${what}${count === 1 ? '' : 's'}`;
  return `rig ${p.rig.name} (${p.rig.file}) · ${n(p.devices.length, 'device')}: ${shortList(p.devices)} · ${n(p.suites.length, 'suite')}: ${shortList(p.suites)} · ${n(p.tests, 'test')}`;
}
