/**
 * What a run does with each device before its first test (the rig's `session.start`):
 *
 * - as-found: takes the device as it is, as a bench left powered between runs is found, and asks
 *   it at once (GET ReportSubscribe, TLV 13): an answer counts as heard, so `expect-state: up`
 *   need not wait a report interval, and Down detection gets the device's own interval;
 * - re-register: brings it to a known state: a power cycle where the rig has power control for
 *   it, else a signed RebootRequest (TLV 32, flag 0; csmp-protocol.md: the agent reboots and
 *   registers again), then waits for the registration the NMS answers to succeed.
 *
 * Each device's outcome says how it was started; a device that does not answer is recorded, not
 * fatal: the tests that need it judge it.
 */
import type { ReportIntervalSource } from '../nms/device-state.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { Bench } from './bench.js';

export type SessionStartPolicy = 'as-found' | 're-register';

export interface DeviceStart {
  device: string;
  policy: SessionStartPolicy;
  how: 'probe' | 'power-cycle' | 'reboot-request';
  /** The probe was answered / the fresh registration succeeded. */
  ok: boolean;
  /** NMS state after the start. */
  state: string;
  reportIntervalS?: number;
  reportIntervalSource?: ReportIntervalSource;
  /** Why it was not ok. */
  error?: string;
}

export interface SessionStartOptions {
  /** Clock ms for a probe's answer. Default 30 s. */
  probeTimeoutMs?: number;
  /** Clock ms for a re-registration to succeed. Default 10 min. */
  registrationTimeoutMs?: number;
}

export async function startSession(bench: Bench, policy: SessionStartPolicy, devices: readonly string[], opts: SessionStartOptions = {}): Promise<DeviceStart[]> {
  return Promise.all(devices.map((d) => (policy === 'as-found' ? asFound(bench, d, opts) : reRegister(bench, d, opts))));
}

function outcome(bench: Bench, device: string, policy: SessionStartPolicy, how: DeviceStart['how'], ok: boolean, error?: string): DeviceStart {
  const rec = bench.nms.devices.require(device);
  return {
    device,
    policy,
    how,
    ok,
    state: rec.state,
    ...(rec.reportIntervalS !== undefined ? { reportIntervalS: rec.reportIntervalS } : {}),
    ...(rec.reportIntervalSource !== undefined ? { reportIntervalSource: rec.reportIntervalSource } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

async function asFound(bench: Bench, device: string, opts: SessionStartOptions): Promise<DeviceStart> {
  try {
    const r = await bench.nms.probe(device, { timeoutMs: opts.probeTimeoutMs ?? 30_000 });
    return outcome(bench, device, 'as-found', 'probe', r.answered, r.answered ? undefined : `GET ReportSubscribe answered ${r.code}`);
  } catch (e) {
    return outcome(bench, device, 'as-found', 'probe', false, (e as Error).message);
  }
}

/** Makes one device register again with this NMS (power cycle, else signed RebootRequest) and waits for it. */
export async function reRegister(bench: Bench, device: string, opts: SessionStartOptions = {}): Promise<DeviceStart> {
  const { nms } = bench;
  const since = nms.events.mark();
  const power = bench.power(device);
  const how: DeviceStart['how'] = power ? 'power-cycle' : 'reboot-request';
  try {
    const registered = nms.events.waitForEvent('registrationSuccess', opts.registrationTimeoutMs ?? 600_000, { device, since });
    // Handled before it can reject unobserved while the reboot is still being asked for.
    registered.catch(() => undefined);
    if (power) {
      await power.switch('cycle');
    } else {
      // Noted before it leaves: the reboot follows the answer at once, and is not a reboot loop.
      const asked = bench.noteRestart(device);
      const a = await nms.client.post(device, [{ type: TLV.RebootRequest, fields: { flag: 0 } }], { timeoutMs: opts.probeTimeoutMs ?? 30_000 });
      if (!a.code.startsWith('2.')) {
        bench.withdrawRestart(device, asked);
        return outcome(bench, device, 're-register', how, false, `RebootRequest answered ${a.code}`);
      }
    }
    await registered;
    return outcome(bench, device, 're-register', how, true);
  } catch (e) {
    return outcome(bench, device, 're-register', how, false, (e as Error).message);
  }
}

/** One line for the run's log: how the device was started and what the NMS then knew. */
export function describeStart(s: DeviceStart): string {
  const how = s.how === 'probe' ? 'probed (GET TLV 13)' : s.how === 'power-cycle' ? 'power-cycled' : 'sent a signed RebootRequest';
  const interval = s.reportIntervalS !== undefined ? `, report interval ${s.reportIntervalS} s (${s.reportIntervalSource})` : '';
  return `session start ${s.policy}: ${s.device} ${how}: ${s.ok ? 'ok' : `not ok (${s.error})`}, ${s.state}${interval}`;
}
