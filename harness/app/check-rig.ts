/**
 * `hil check` as a function: before a night's regression, is every part of the rig there and
 * is every device the one the rig file says? Per device, without changing anything on it:
 * - radio: GET DeviceID (TLV 2) over its link, and the EUI-64 it gives against the rig's;
 * - firmware: GET FirmwareImageInfo (TLV 75), the running slot's version and hwId against the
 *   rig's expectations;
 * - console: an empty line must bring the prompt back;
 * - power: each command's program must exist (found, not run: switching power is not a check).
 * Links, consoles and power controls that cannot even be opened fail earlier, in openBench.
 */
import { execa } from 'execa';
import type { DeviceSpec } from '../config/rig.js';
import { TLV } from '../csmp/tlv-ids.js';
import { firmwareMismatches, runningImage } from '../nms/firmware-image.js';
import { normaliseEui64 } from '../nms/registration.js';
import type { ClientAnswer } from '../nms/client.js';
import type { OpenedBench } from './open-bench.js';
import { CoapTimeoutError } from '../coap/errors.js';

export type FindingStatus = 'ok' | 'problem' | 'absent';

export interface Finding {
  status: FindingStatus;
  text: string;
}

export interface DeviceCheck {
  device: string;
  eid: string;
  radio: Finding;
  firmware: Finding;
  console: Finding;
  power: Finding;
}

export interface CheckOptions {
  /** Real milliseconds each GET and the console prompt may take. Default 5000. */
  timeoutMs?: number;
}

const ok = (text: string): Finding => ({ status: 'ok', text });
const problem = (text: string): Finding => ({ status: 'problem', text });
const absent = (text: string): Finding => ({ status: 'absent', text });

export async function checkRig(b: OpenedBench, opts: CheckOptions = {}): Promise<DeviceCheck[]> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  return Promise.all(b.rig.devices.map((d) => checkDevice(b, d, timeoutMs)));
}

export function checkPassed(rows: readonly DeviceCheck[]): boolean {
  return rows.every((r) => [r.radio, r.firmware, r.console, r.power].every((f) => f.status !== 'problem'));
}

async function checkDevice(b: OpenedBench, d: DeviceSpec, timeoutMs: number): Promise<DeviceCheck> {
  const eid = d.eui64.toUpperCase();
  const ask = async (tlv: number): Promise<ClientAnswer | string> => {
    try {
      return await b.nms.client.get(d.name, tlv, { timeoutMs: b.bench.toClockMs(timeoutMs) });
    } catch (e) {
      return e instanceof CoapTimeoutError ? `no answer to GET ${tlv} within ${timeoutMs} ms` : (e as Error).message;
    }
  };
  const [radio, consoleFinding, power] = await Promise.all([
    ask(TLV.DeviceID).then((a) => radioFinding(a, eid)),
    consoleCheck(b, d, timeoutMs),
    powerCheck(d),
  ]);
  const firmware = radio.status === 'ok' ? firmwareFinding(await ask(TLV.FirmwareImageInfo), d) : absent('not asked: the device did not answer on the radio');
  return { device: d.name, eid, radio, firmware, console: consoleFinding, power };
}

function radioFinding(a: ClientAnswer | string, eid: string): Finding {
  if (typeof a === 'string') return problem(a);
  if (!a.code.startsWith('2.')) return problem(`GET 2 answered ${a.code}`);
  const id = a.tlvs.find((t) => t.type === TLV.DeviceID)?.value?.['id'];
  if (typeof id !== 'string') return problem(`GET 2 answered ${a.code} without a DeviceID${a.decodeError ? ` (the payload does not decode: ${a.decodeError})` : ''}`);
  const got = normaliseEui64(id);
  return got === eid ? ok(`DeviceID ${got}`) : problem(`DeviceID ${got}, but the rig says ${eid}: another device answers at this address`);
}

function firmwareFinding(a: ClientAnswer | string, d: DeviceSpec): Finding {
  if (typeof a === 'string') return problem(a);
  if (!a.code.startsWith('2.')) return problem(`GET 75 answered ${a.code}`);
  const image = runningImage(a.tlvs.filter((t) => t.type === TLV.FirmwareImageInfo).map((t) => t.value ?? {}));
  if (!image.slot) return problem(`GET 75 answered ${a.code} with no running slot`);
  const seen = `running ${JSON.stringify(image.version ?? null)} on ${JSON.stringify(image.hwId ?? null)}`;
  const wrong = firmwareMismatches(image, d.expected).map((m) => `${m.field} ${JSON.stringify(m.expected)}`);
  return wrong.length ? problem(`${seen}; the rig expects ${wrong.join(' and ')}`) : ok(`${seen}, as the rig expects`);
}

async function consoleCheck(b: OpenedBench, d: DeviceSpec, timeoutMs: number): Promise<Finding> {
  const con = b.bench.console(d.name);
  if (!d.console || !con) return absent('not configured');
  try {
    await con.run('', { timeoutMs });
    return ok(`prompt ${JSON.stringify(d.console.prompt)} on ${d.console.path}`);
  } catch (e) {
    return problem((e as Error).message);
  }
}

/** The program each power command starts, looked up as /bin/sh would (`command -v`). */
export async function powerCheck(d: DeviceSpec): Promise<Finding> {
  if (!d.power) return absent('not configured');
  const commands = Object.entries({ on: d.power.on, off: d.power.off, cycle: d.power.cycle }).filter((e): e is [string, string] => typeof e[1] === 'string');
  const missing: string[] = [];
  for (const [what, line] of commands) {
    const program = line.trim().split(/\s+/)[0]!;
    // Quoting or variables in the first word: only the shell can tell; it runs at the first power step.
    if (/['"$`=]/.test(program)) continue;
    const r = await execa('sh', ['-c', 'command -v -- "$1"', 'sh', program], { reject: false });
    if (r.exitCode !== 0) missing.push(`${what}: '${program}' not found`);
  }
  return missing.length ? problem(missing.join('; ')) : ok(`${commands.map(([w]) => w).join('/')} commands found (not run)`);
}
