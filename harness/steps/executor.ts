/**
 * The StepExecutor of a bench: every step of the vocabulary (harness/config/steps.ts) performed
 * through the NMS the harness plays, the board's console and power, and the links.
 *
 * What a failure says: expected, seen, likely cause, fix. The likely cause comes from the
 * expectation's `otherwise` when the suite gives one (a firmware defect, usually); otherwise the
 * troubleshooting flowchart is walked against the device and its branch, evidence, cause and fix
 * are reported: that is what makes a baseline test against a broken meter name the branch.
 *
 * Per attempt (ctx.memory): where the test began on the NMS's event log and clock, the last value
 * read per TLV and the first (counter baselines), the last answer to a get/post, and where the
 * last power step happened (a state or registration seen before it does not count after it).
 */
import type { DeviceSpec } from '../config/rig.js';
import { formatDuration } from '../../core/duration.js';
import type {
  ConsoleParams,
  ExpectCounterParams,
  ExpectDiagnosisParams,
  ExpectEventParams,
  ExpectParams,
  ExpectReplyParams,
  ExpectStateParams,
  FirewallParams,
  GetParams,
  InjectParams,
  PostParams,
  PowerParams,
  Step,
} from '../config/steps.js';
import { CoapTimeoutError } from '../coap/errors.js';
import { formatTlv } from '../csmp/format.js';
import type { TlvToBuild } from '../csmp/payload.js';
import { fromHex } from '../../core/bytes.js';
import type { DecodedTlv } from '../csmp/value.js';
import { ConfigError } from '../../core/errors.js';
import type { Diagnosis } from '../nms/diagnose.js';
import type { DeviceRecord, StateTransition } from '../nms/device-state.js';
import { EVENT_TYPES, EventTimeoutError, type EventName } from '../nms/events.js';
import type { StepContext, StepExecutor, StepOutcome } from '../runner/executor.js';
import { BRANCH_HEADLINE } from './branches.js';
import type { Bench } from './bench.js';
import { CONFIG_READ, consoleCommand } from './device-control.js';
import type { DiagnosisWindow } from '../nms/diagnose.js';
import { diagnoseDevice, evidenceLines } from './diagnosis.js';
import { detailsText, eventsSeen, strayAnswers, transitionsSeen } from './seen.js';
import { rigVariables, substitute } from './rig-values.js';
import { asNumber, fieldAt, holds, matchingRows, rowFilterText, valueText, type Row } from './values.js';

export interface ExecutorOptions {
  /** Real ms one GET/POST may take before it counts as unanswered (default 4000). */
  requestTimeoutMs?: number;
  /** Walk the flowchart when a step fails without an `otherwise` (default true). */
  diagnoseOnFailure?: boolean;
  /** Real ms the flowchart walk may take at most (default 20 000). */
  diagnosisBudgetMs?: number;
}

/** The fix reported for a failed expectation that carries `otherwise`: the device is what is wrong. */
export const FIRMWARE_FIX =
  'Firmware defect: the meter must behave as csmp-protocol.md requires here; give the firmware team this test (its pcap and console log show the exchange).';

/** Console capabilities that restart the board, like a power cycle. */
const RESTARTING = new Set(['reboot', 'factory-reset']);

interface Read {
  what: string;
  code: string;
  rows: Row[];
  tlvs: DecodedTlv[];
}

interface Reply {
  what: string;
  code: string;
  tlvs: DecodedTlv[];
}

interface Attempt {
  window: DiagnosisWindow;
  /** Set by power steps: states and registrations from before it do not count. */
  fresh?: { seq: number; at: number };
  reads: Map<number, Read>;
  firstReads: Map<number, Read>;
  reply?: Reply;
  /** The NMS client's request counts for the device when the attempt began. */
  requests: { sent: number; unanswered: number };
}

const MEMORY_KEY = 'steps.attempt';

/** The events that count: since the test began, or since its last power or restart step (a new boot). */
const eventsSince = (a: Attempt): number => Math.max(a.window.eventSeq, a.fresh?.seq ?? 0);

class StepFailure extends Error {
  constructor(readonly outcome: StepOutcome) {
    super(outcome.message);
  }
}

const fail = (message: string, more: Omit<StepOutcome, 'status' | 'message'> = {}): never => {
  throw new StepFailure({ status: 'failed', message, ...more });
};

const tlvLines = (tlvs: readonly DecodedTlv[]): string => (tlvs.length ? tlvs.map(formatTlv).join('; ') : 'no TLVs');

export class CsmpStepExecutor implements StepExecutor {
  private readonly requestTimeoutMs: number;
  private readonly diagnoseOnFailure: boolean;
  private readonly diagnosisBudgetMs: number;

  constructor(
    readonly bench: Bench,
    opts: ExecutorOptions = {},
  ) {
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 4000;
    this.diagnoseOnFailure = opts.diagnoseOnFailure ?? true;
    this.diagnosisBudgetMs = opts.diagnosisBudgetMs ?? 20_000;
  }

  async execute(step: Step, ctx: StepContext): Promise<StepOutcome> {
    const started = Date.now();
    const attempt = this.attempt(ctx);
    let out: StepOutcome;
    try {
      out = (await this.perform(step, ctx, attempt, started)) ?? { status: 'passed' };
    } catch (e) {
      if (e instanceof StepFailure) out = e.outcome;
      else if (ctx.signal.aborted) throw e;
      else if (e instanceof ConfigError) out = { status: 'error', message: e.message };
      else throw e;
    }
    if (out.status === 'failed' && out.likelyCause === undefined && this.diagnoseOnFailure) {
      out = await this.explain(out, ctx, attempt, started);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------

  private attempt(ctx: StepContext): Attempt {
    let a = ctx.memory.get(MEMORY_KEY) as Attempt | undefined;
    if (!a) {
      const { nms, clock } = this.bench;
      a = {
        window: { eventSeq: nms.events.mark(), atMs: clock.now(), misroutes: nms.misrouteSnapshot(ctx.device.name) },
        reads: new Map(),
        firstReads: new Map(),
        requests: nms.client.requestStats(ctx.device.name),
      };
      ctx.memory.set(MEMORY_KEY, a);
    }
    return a;
  }

  private remainingMs(ctx: StepContext, started: number): number {
    return Math.max(0, ctx.timeoutMs - (Date.now() - started));
  }

  /** Clock ms a request may take: the request limit, or what is left of the step, whichever is less. */
  private requestTimeout(ctx: StepContext, started: number): number {
    return this.bench.toClockMs(Math.max(50, Math.min(this.requestTimeoutMs, this.remainingMs(ctx, started) - 250)));
  }

  private perform(step: Step, ctx: StepContext, a: Attempt, started: number): Promise<StepOutcome | void> {
    switch (step.name) {
      case 'power':
        return this.power(step.params, ctx, a);
      case 'console':
        return this.console(step.params, ctx, a, started);
      case 'nms':
        if (step.params.op === 'expect-registration') return this.expectRegistration(ctx, a, started);
        this.bench.nms.setInInventory(ctx.device.name, step.params.op === 'add-to-inventory');
        this.bench.journal(ctx.device.name).outOfInventory = step.params.op === 'remove-from-inventory';
        ctx.log(`${ctx.device.name} ${step.params.op === 'add-to-inventory' ? 'is back in' : 'is out of'} the NMS inventory`);
        return Promise.resolve({ status: 'passed' });
      case 'get':
        return this.get(step.params, step, ctx, a, started);
      case 'post':
        return this.post(step.params, step, ctx, a, started);
      case 'inject':
        return this.inject(step.params, ctx);
      case 'firewall':
        return this.firewall(step.params, ctx);
      case 'reply-from':
        this.bench.sources.set(ctx.device.name, step.params.address);
        this.bench.journal(ctx.device.name).replyFrom = true;
        ctx.log(`requests to ${ctx.device.name} now leave from ${step.params.address} ${this.bench.sources.addressFor(ctx.device.name)}`);
        return Promise.resolve();
      case 'wait':
        return this.bench.sleep(step.params.ms, ctx.signal);
      case 'expect':
        return this.expect(step.params, ctx, a, started);
      case 'expect-event':
        return this.expectEvent(step.params, ctx, a);
      case 'expect-state':
        return this.expectState(step.params, ctx, a);
      case 'expect-counter':
        return this.expectCounter(step.params, ctx, a, started);
      case 'expect-reply':
        return this.expectReply(step.params, a);
      case 'expect-diagnosis':
        return this.expectDiagnosis(step.params, ctx, a, started);
    }
  }

  // --- actions ---------------------------------------------------------------------------------

  private async power(p: PowerParams, ctx: StepContext, a: Attempt): Promise<void> {
    const power = this.bench.power(ctx.device.name);
    if (!power) throw new ConfigError(`device '${ctx.device.name}'`, 'missing', 'power: the rig gives this device no power control');
    // Marked between off and on for a cycle: marked before the off, a registration still in flight
    // from before (a board busy re-registering) would count as the rebooted board's; marked after
    // the on, a fast board's first /r could be missed. Other switches are marked before.
    const mark = () => void (a.fresh = { seq: this.bench.nms.events.mark(), at: this.bench.clock.now() });
    mark();
    await power.switch(p.op, { signal: ctx.signal, timeoutMs: ctx.timeoutMs, ...(p.op === 'cycle' ? { afterOff: mark } : {}) });
    this.bench.journal(ctx.device.name).poweredOff = p.op === 'off';
    ctx.log(`power ${p.op}: done`);
  }

  private async console(p: ConsoleParams, ctx: StepContext, a: Attempt, started: number): Promise<void> {
    const con = this.bench.console(ctx.device.name);
    if (!con) throw new ConfigError(`device '${ctx.device.name}'`, 'missing', 'console: the rig gives this device no console');
    const vars = this.vars(ctx.device);
    const args = String(substitute(p.args, vars, ctx.device.name));
    const command = consoleCommand(ctx.device, p.capability, args, vars);
    if (RESTARTING.has(p.capability)) a.fresh = { seq: this.bench.nms.events.mark(), at: this.bench.clock.now() };
    this.bench.journal(ctx.device.name).console.push(command);
    ctx.log(`console> ${command.length > 160 ? `${command.slice(0, 160)}…` : command}`);
    let output: string;
    try {
      output = await con.run(command, { signal: ctx.signal, timeoutMs: Math.max(100, this.remainingMs(ctx, started) - 250) });
    } catch (e) {
      if ((e as Error).name === 'ConsoleCommandError') {
        fail(`the board refused '${command}'`, {
          expected: `'${command}' accepted`,
          seen: (e as Error).message,
          likelyCause: `the board's console does not accept the rig's '${p.capability}' command`,
          fix: `Check console.commands.${p.capability} of device '${ctx.device.name}' in ${this.bench.rig.file} against the board's command set.`,
        });
      }
      throw e;
    }
    const lines = output.split(/\r?\n/).filter((l) => l.trim() !== '');
    for (const l of lines.slice(0, 40)) ctx.log(`console< ${l}`);
    if (lines.length > 40) ctx.log(`console< … ${lines.length - 40} more lines in the console log`);
  }

  private async expectRegistration(ctx: StepContext, a: Attempt, started: number): Promise<StepOutcome> {
    const { nms } = this.bench;
    const since = eventsSince(a);
    const dev = ctx.device.name;
    const waitMs = this.bench.toClockMs(Math.max(50, this.remainingMs(ctx, started) - this.diagnosisBudgetMs / 2));
    try {
      const e = await this.abortable(ctx, nms.events.waitFor((x) => x.name === 'registrationRequest' && x.device === dev, waitMs, { since }));
      return { status: 'passed', message: `registration answered 2.03: ${e.message}${detailsText(e)}` };
    } catch (err) {
      if (!(err instanceof EventTimeoutError)) throw err;
      return {
        status: 'failed',
        message: `no registration (POST /r answered 2.03) from ${dev} within ${formatDuration(waitMs)}`,
        expected: `a POST /r from ${dev} answered 2.03`,
        seen: eventsSeen(this.bench.nms, dev, since),
      };
    }
  }

  private async get(p: GetParams, step: Step, ctx: StepContext, a: Attempt, started: number): Promise<StepOutcome> {
    const read = await this.read(p.tlv, p.index, ctx, a, started);
    ctx.log(`${read.what} → ${read.code}: ${tlvLines(read.tlvs)}`);
    if (!read.code.startsWith('2.') && !this.replyIsChecked(step, ctx)) {
      return {
        status: 'failed',
        message: `${read.what} answered ${read.code}`,
        expected: `${read.what} answered 2.05 with TLV ${p.tlv}`,
        seen: `${read.code}${read.tlvs.length ? `: ${tlvLines(read.tlvs)}` : ''}`,
      };
    }
    return { status: 'passed' };
  }

  /** GET one TLV; the first read of a TLV in a test is the baseline of its counters (`asBaseline`). */
  private async read(tlv: number, index: number | undefined, ctx: StepContext, a: Attempt, started: number, asBaseline = true): Promise<Read> {
    const dev = ctx.device.name;
    const what = `GET ${tlv}${index === undefined ? '' : `/${index}`}`;
    const sentAt = Date.now();
    const answer = await this.request(what, ctx, sentAt, () =>
      this.bench.nms.client.get(dev, tlv, { timeoutMs: this.requestTimeout(ctx, started), ...(index !== undefined ? { style: 'path' as const, index } : {}) }),
    );
    const read: Read = { what, code: answer.code, tlvs: answer.tlvs, rows: answer.tlvs.filter((t) => t.type === tlv).map((t) => t.value ?? {}) };
    a.reads.set(tlv, read);
    if (asBaseline && !a.firstReads.has(tlv)) a.firstReads.set(tlv, read);
    a.reply = { what, code: answer.code, tlvs: answer.tlvs };
    return read;
  }

  private async post(p: PostParams, step: Step, ctx: StepContext, a: Attempt, started: number): Promise<StepOutcome> {
    const { nms } = this.bench;
    if (p.signed && !nms.signing) throw new ConfigError(`rig ${this.bench.rig.name}`, 'missing', 'post signed: the NMS has no signing key (nms.signing)');
    const vars = this.vars(ctx.device);
    const build = (tlvs: Record<string, unknown>): TlvToBuild[] =>
      Object.entries(tlvs).map(([type, fields]) => ({
        type: Number(type),
        fields: substitute(fields ?? {}, vars, `${ctx.device.name}: post`) as Record<string, unknown>,
      }));
    const items = build(p.tlvs);
    const tail = p.afterSignature ? build(p.afterSignature) : [];
    const what = `${p.confirmable ? 'CON' : 'NON'} POST ${Object.keys(p.tlvs).join('+')}${p.signed ? ' signed' : ' unsigned'}${tail.length ? ` + ${Object.keys(p.afterSignature!).join('+')} after the signature` : ''}`;
    const answer = await this.request(what, ctx, Date.now(), () =>
      nms.client.post(ctx.device.name, items, { sign: p.signed, confirmable: p.confirmable, afterSignature: tail, timeoutMs: this.requestTimeout(ctx, started) }),
    );
    a.reply = { what, code: answer.code, tlvs: answer.tlvs };
    ctx.log(`${what} → ${answer.code}${answer.async ? ` (asynchronous, at ${answer.arrivedAt})` : ''}: ${tlvLines(answer.tlvs)}`);
    const notification = answer.tlvs.find((t) => t.type === 44)?.value?.['code'];
    const refused = p.confirmable ? !answer.code.startsWith('2.') : notification === 3;
    if (refused && !this.replyIsChecked(step, ctx)) {
      return {
        status: 'failed',
        message: `${what} refused: ${p.confirmable ? answer.code : 'CGMSNotification code 3 (processing error)'}`,
        expected: `${what} accepted (${p.confirmable ? '2.01/2.04' : 'CGMSNotification code 0'})`,
        seen: `${answer.code}: ${tlvLines(answer.tlvs)}`,
      };
    }
    return { status: 'passed' };
  }

  /** Runs one NMS request with the device's source address; a request nobody answered fails the step. */
  private async request<T>(what: string, ctx: StepContext, sentAt: number, start: () => Promise<T>): Promise<T> {
    const dev = ctx.device;
    const source = this.bench.sources.addressFor(dev.name);
    try {
      return await this.abortable(ctx, this.bench.sources.around(dev.name, start));
    } catch (e) {
      if (!(e instanceof CoapTimeoutError || e instanceof EventTimeoutError)) throw e;
      const waited = formatDuration(Math.round(this.bench.toRealMs(e.timeoutMs)));
      const mid = e instanceof CoapTimeoutError ? /\(MID (\d+)\)/.exec(e.request)?.[1] : undefined;
      const asked = `[${source}]:${this.bench.nms.clientPort}`;
      const stray = strayAnswers(this.bench, dev, source, sentAt, mid === undefined ? undefined : Number(mid));
      const fromElsewhere = stray.find((s) => s.to === asked);
      if (fromElsewhere) {
        return fail(`${what}: ${dev.name} answered, but from ${fromElsewhere.from} instead of [${dev.address}]:${dev.port} where the request went`, {
          expected: `the answer from [${dev.address}]:${dev.port} to ${asked}`,
          seen: stray.map((s) => s.text).join('; '),
          likelyCause:
            'The device answers from another address or port than the one the request was sent to, so the NMS cannot match the answer to its request (CoAP matches a response by the endpoint it came from).',
          fix: 'A CON request must be answered from the address and port it was sent to (RFC 7252 5.3.2; csmp-agent-lib answers from its CSMP port 61628): fix the meter firmware.',
        });
      }
      if (stray.length) {
        return fail(`${what}: ${dev.name} answered, but to ${stray[0]!.to} instead of ${asked} where the request came from`, {
          expected: `the answer from [${dev.address}]:${dev.port} to ${asked}`,
          seen: stray.map((s) => s.text).join('; '),
          likelyCause:
            'The device sends its answer to another address than the one the request came from (its configured NMS address: the load-balancer VIP case, or from another source address), so the server that asked never gets it.',
          fix: 'A CON request must be answered to its exact source address and port (RFC 7252 5.3.2, csmp-protocol.md 9 "Load balancer"): fix the meter firmware; until then the load balancer must route the answers back to the requesting server.',
        });
      }
      // A device that answered other requests of this test is reachable: this one was lost.
      const now = this.bench.nms.client.requestStats(dev.name);
      const base = this.attempt(ctx).requests;
      const sent = now.sent - base.sent;
      const lost = now.unanswered - base.unanswered;
      const partial = sent > lost && lost > 0;
      return fail(`${what}: no answer from ${dev.name} within ${waited}`, {
        expected: `an answer from [${dev.address}]:${dev.port} to ${asked}`,
        seen: `nothing from the device on the link${partial ? `; in this test ${lost} of ${sent} requests to ${dev.name} went unanswered, the others were answered` : ''}`,
        ...(partial
          ? {
              likelyCause: `Requests or answers are lost between the NMS and ${dev.name}: the device answers some requests and not others (a lossy RF mesh or dongle, or firmware that drops frames).`,
              fix: 'Check the mesh link (RSSI/ETX in TLV 25, the dongle\'s drop counters, the pcap of this test for the request and a missing answer); if the radio path is clean, give the firmware team this test.',
            }
          : {}),
      });
    }
  }

  private async inject(p: InjectParams, ctx: StepContext): Promise<void> {
    const bytes = fromHex(p.hex)!;
    const dev = ctx.device;
    const link = this.bench.link(dev.link);
    if (!link) throw new ConfigError(`device '${dev.name}'`, 'reference', `inject: link '${dev.link}' is not open`);
    const layer = String(p.options['layer'] ?? 'coap');
    if (layer === 'ipv6') {
      const raw = link as unknown as { sendRaw?: (b: Uint8Array) => void };
      if (typeof raw.sendRaw !== 'function') throw new ConfigError(`link '${dev.link}'`, 'unsupported', 'inject layer ipv6: this link carries datagrams, not raw IPv6 packets');
      raw.sendRaw(bytes);
    } else if (layer === 'coap' || layer === 'udp') {
      link.send({ src: this.bench.sources.addressFor(dev.name), dst: dev.address, srcPort: this.bench.nms.clientPort, dstPort: dev.port, payload: bytes });
    } else {
      throw new ConfigError(`device '${dev.name}'`, 'value', `inject: layer '${layer}' is not one of coap, ipv6`);
    }
    ctx.log(`injected ${bytes.length} bytes (${layer}) toward ${dev.name}`);
  }

  private async firewall(p: FirewallParams, ctx: StepContext): Promise<void> {
    const { firewall } = this.bench;
    const address = ctx.device.address;
    if (p.op === 'allow') firewall.clear(address);
    else if (p.direction === 'outbound') firewall.dropOutbound(address);
    else firewall.dropInbound('csmp-port', address);
    this.bench.journal(ctx.device.name).firewall = true;
    ctx.log(p.op === 'allow' ? `firewall open for ${address}` : `firewall drops ${p.direction} CSMP for ${address}`);
  }

  // --- expectations ----------------------------------------------------------------------------

  private async expect(p: ExpectParams, ctx: StepContext, a: Attempt, started: number): Promise<StepOutcome> {
    const vars = this.vars(ctx.device);
    const where = `${ctx.device.name}: expect`;
    const read = a.reads.get(p.tlv) ?? (await this.read(p.tlv, undefined, ctx, a, started));
    const wanted = substitute(p.value, vars, where);
    const label = `tlv ${p.tlv}${p.row ? ` {${rowFilterText(p.row)}}` : p.index !== undefined ? `[${p.index}]` : ''}${p.field ? ` ${p.field}` : ''}`;
    const expected = `${label} ${p.op}${p.value === undefined ? '' : ` ${valueText(wanted)}`}`;
    const context = `${read.what} → ${read.code}: ${tlvLines(read.tlvs)}`;
    const more = { expected, ...(p.otherwise ? { likelyCause: p.otherwise, fix: FIRMWARE_FIX } : {}) };
    if (!read.code.startsWith('2.')) fail(`${label}: no value, ${read.what} answered ${read.code}`, { ...more, seen: context });

    let row: Row | undefined;
    if (p.row) {
      const filter = substitute(p.row, vars, where) as Record<string, unknown>;
      const hits = matchingRows(read.rows, filter);
      if (hits.length !== 1) {
        fail(`${label}: ${hits.length === 0 ? 'no instance' : `${hits.length} instances`} of TLV ${p.tlv} with ${rowFilterText(filter)} (exactly one expected)`, {
          ...more,
          seen: context,
        });
      }
      row = hits[0];
    } else {
      row = read.rows[p.index ?? 0];
    }
    if (row === undefined) {
      if (p.op === 'absent') return { status: 'passed', message: `${label}: no TLV ${p.tlv} in the answer, so absent` };
      fail(`${label}: the answer holds no TLV ${p.tlv}${p.index ? ` instance ${p.index}` : ''}`, { ...more, seen: context });
    }
    const value = fieldAt(row, p.field);
    if (!holds(p.op, value, wanted)) {
      fail(`${label} is ${valueText(value)}, expected ${p.op}${p.value === undefined ? '' : ` ${valueText(wanted)}`}`, { ...more, seen: `${valueText(value)} (${context})` });
    }
    return { status: 'passed', message: `${label} = ${valueText(value)}` };
  }

  private async expectEvent(p: ExpectEventParams, ctx: StepContext, a: Attempt): Promise<StepOutcome> {
    if (!Object.hasOwn(EVENT_TYPES, p.name)) {
      throw new ConfigError(ctx.test.where, 'value', `expect-event: no event named '${p.name}' (events: ${Object.keys(EVENT_TYPES).join(', ')})`);
    }
    const dev = ctx.device.name;
    const name = p.name as EventName;
    const since = eventsSince(a);
    try {
      const e = await this.abortable(ctx, this.bench.nms.events.waitFor((x) => x.name === name && x.device === dev, p.withinMs, { since }));
      return { status: 'passed', message: `${e.name} (${e.eventTypeId}, ${e.severity}): ${e.message}` };
    } catch (err) {
      if (!(err instanceof EventTimeoutError)) throw err;
      return {
        status: 'failed',
        message: `no ${name} event for ${dev} within ${formatDuration(p.withinMs)}`,
        expected: `event ${name} (${EVENT_TYPES[name].eventTypeId}) for ${dev} within ${formatDuration(p.withinMs)}`,
        seen: eventsSeen(this.bench.nms, dev, since),
        ...(p.otherwise ? { likelyCause: p.otherwise, fix: FIRMWARE_FIX } : {}),
      };
    }
  }

  private async expectState(p: ExpectStateParams, ctx: StepContext, a: Attempt): Promise<StepOutcome> {
    const { nms } = this.bench;
    const rec = nms.devices.require(ctx.device.name);
    const freshAt = a.fresh?.at;
    const counts = (): boolean => rec.state === p.state && (freshAt === undefined || rec.since >= freshAt);
    const more = p.otherwise ? { likelyCause: p.otherwise, fix: FIRMWARE_FIX } : {};
    const history = (): string => transitionsSeen(rec, a.window.atMs);
    if (!counts()) {
      const reached = await this.abortable(ctx, this.waitTransition(rec, (t) => t.to === p.state, p.withinMs));
      if (!reached) {
        return {
          status: 'failed',
          message: `${rec.device.name} is ${rec.state}${freshAt !== undefined && rec.state === p.state ? ' (not anew since the power step)' : ''}, not ${p.state}, after ${formatDuration(p.withinMs)}`,
          expected: `${p.state} within ${formatDuration(p.withinMs)}`,
          seen: `${rec.state}; ${history()}`,
          ...more,
        };
      }
    }
    if (p.forMs !== undefined) {
      const left = await this.abortable(ctx, this.waitTransition(rec, (t) => t.from === p.state, p.forMs));
      if (left) {
        return {
          status: 'failed',
          message: `${rec.device.name} left ${p.state} for ${left.to} (${left.reason}) before ${formatDuration(p.forMs)} had passed`,
          expected: `${p.state} for ${formatDuration(p.forMs)}`,
          seen: history(),
          ...more,
        };
      }
    }
    return { status: 'passed', message: `${rec.device.name} is ${rec.state}${p.forMs !== undefined ? ` and stayed ${formatDuration(p.forMs)}` : ''}` };
  }

  private async expectCounter(p: ExpectCounterParams, ctx: StepContext, a: Attempt, started: number): Promise<StepOutcome> {
    const before = a.firstReads.get(p.tlv);
    // Its own read is no baseline: two counters checked in a row compare with the same start.
    const now = await this.read(p.tlv, undefined, ctx, a, started, false);
    const more = { ...(p.otherwise ? { likelyCause: p.otherwise, fix: FIRMWARE_FIX } : {}) };
    const label = `tlv ${p.tlv} ${p.field}`;
    if (!now.code.startsWith('2.')) fail(`${label}: ${now.what} answered ${now.code}`, { ...more, expected: `${label} readable`, seen: now.code });
    const valueNow = asNumber(fieldAt(now.rows[p.index ?? 0], p.field));
    const valueBefore = before ? (asNumber(fieldAt(before.rows[p.index ?? 0], p.field)) ?? 0) : 0;
    if (valueNow === undefined) fail(`${label} is absent`, { ...more, expected: `${label} a number`, seen: `${now.what} → ${now.code}: ${tlvLines(now.tlvs)}` });
    const ok = p.increases ? valueNow! > valueBefore : valueNow === valueBefore;
    const text = `${label}: ${valueBefore}${before ? '' : ' (not read before in this test)'} → ${valueNow}`;
    if (!ok) {
      fail(`${label} ${p.increases ? 'did not increase' : 'changed'}: ${valueBefore} → ${valueNow}`, {
        ...more,
        expected: `${label} ${p.increases ? 'increases' : 'unchanged'}`,
        seen: `${text} (${tlvLines(now.tlvs)})`,
      });
    }
    return { status: 'passed', message: text };
  }

  private async expectReply(p: ExpectReplyParams, a: Attempt): Promise<StepOutcome> {
    const r = a.reply;
    const more = p.otherwise ? { likelyCause: p.otherwise, fix: FIRMWARE_FIX } : {};
    if (!r) return { status: 'failed', message: 'no get or post before expect-reply in this test', expected: `an answer ${p.code}`, seen: 'no request', ...more };
    if (r.code !== p.code) {
      return { status: 'failed', message: `${r.what} answered ${r.code}, expected ${p.code}`, expected: `${r.what} → ${p.code}`, seen: `${r.code}: ${tlvLines(r.tlvs)}`, ...more };
    }
    return { status: 'passed', message: `${r.what} → ${r.code}` };
  }

  private async expectDiagnosis(p: ExpectDiagnosisParams, ctx: StepContext, a: Attempt, started: number): Promise<StepOutcome> {
    const d = await this.diagnose(ctx, a, Math.max(1000, this.remainingMs(ctx, started) - 250));
    const summary = `${d.branch}: ${BRANCH_HEADLINE[d.branch]}`;
    if (d.branch !== p.branch) {
      return {
        status: 'failed',
        message: `the flowchart ends in ${summary} — expected ${p.branch}`,
        expected: `${p.branch}: ${BRANCH_HEADLINE[p.branch]}`,
        seen: [`${summary}. ${d.cause}`, ...evidenceLines(d)].join('\n'),
        likelyCause: p.otherwise ?? d.cause,
        fix: p.otherwise ? FIRMWARE_FIX : d.fix,
      };
    }
    for (const l of evidenceLines(d)) ctx.log(`evidence: ${l}`);
    return { status: 'passed', message: `flowchart: ${summary}. ${d.cause} Fix: ${d.fix}` };
  }

  // --- failure explanation -----------------------------------------------------------------------

  private diagnose(ctx: StepContext, a: Attempt, budgetMs: number): Promise<Diagnosis> {
    const dev = ctx.device;
    const con = this.bench.console(dev.name);
    const canReadConfig = con !== undefined && dev.console?.commands[CONFIG_READ] !== undefined;
    const perGet = Math.max(200, Math.min(3000, budgetMs / 8));
    return this.abortable(
      ctx,
      diagnoseDevice(this.bench, dev.name, {
        window: a.window,
        getTimeoutMs: perGet,
        ...(canReadConfig
          ? { consoleConfigXml: () => con!.run(consoleCommand(dev, CONFIG_READ, ''), { signal: ctx.signal, timeoutMs: perGet }) }
          : {}),
      }),
    );
  }

  /** A failure without a known cause gets the flowchart's branch, evidence, cause and fix. */
  private async explain(out: StepOutcome, ctx: StepContext, a: Attempt, started: number): Promise<StepOutcome> {
    const budget = Math.min(this.diagnosisBudgetMs, this.remainingMs(ctx, started) - 500);
    if (budget < 1000) return out;
    let d: Diagnosis;
    try {
      d = await this.diagnose(ctx, a, budget);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      return { ...out, seen: `${out.seen ?? ''}${out.seen ? '\n' : ''}(troubleshooting flowchart not walked: ${(e as Error).message})` };
    }
    if (d.branch === 'healthy') {
      return { ...out, seen: `${out.seen ?? ''}${out.seen ? '\n' : ''}troubleshooting flowchart: no fault found now (healthy)` };
    }
    return {
      ...out,
      message: `${out.message} — flowchart branch ${d.branch}: ${BRANCH_HEADLINE[d.branch]}`,
      seen: [out.seen, 'evidence (troubleshooting flowchart):', ...evidenceLines(d).map((l) => `  ${l}`)].filter((l) => l !== undefined && l !== '').join('\n'),
      likelyCause: `${d.branch}: ${d.cause}`,
      fix: d.fix,
    };
  }

  // --- helpers ---------------------------------------------------------------------------------

  private vars(device: DeviceSpec): Record<string, string> {
    return rigVariables(this.bench.rig, device);
  }

  /** Whether the step after this one is an expect-reply (which judges the answer instead). */
  private replyIsChecked(step: Step, ctx: StepContext): boolean {
    const list = step.phase === 'setup' ? ctx.suite.setup : step.phase === 'teardown' ? ctx.suite.teardown : ctx.test.steps;
    return list[step.index]?.name === 'expect-reply';
  }

  private abortable<T>(ctx: StepContext, p: Promise<T>): Promise<T> {
    if (ctx.signal.aborted) return Promise.reject(ctx.signal.reason);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(ctx.signal.reason);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      p.then(
        (v) => {
          ctx.signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          ctx.signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  /** The first transition of `rec` matching `pred` within `ms` of clock time, or undefined. */
  private waitTransition(rec: DeviceRecord, pred: (t: StateTransition) => boolean, ms: number): Promise<StateTransition | undefined> {
    const { nms, clock } = this.bench;
    return new Promise((resolve) => {
      const onTransition = (r: DeviceRecord, t: StateTransition): void => {
        if (r !== rec || !pred(t)) return;
        clock.clearTimeout(timer);
        nms.devices.off('transition', onTransition);
        resolve(t);
      };
      const timer = clock.setTimeout(() => {
        nms.devices.off('transition', onTransition);
        resolve(undefined);
      }, ms);
      nms.devices.on('transition', onTransition);
    });
  }

}
