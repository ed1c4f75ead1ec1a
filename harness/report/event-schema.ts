/**
 * The shape of each event-log line (events.ts), checked where `hil merge` reads a shard's log
 * (merge.ts) before anything is cleared or written: every reporter dereferences these events as
 * the types say (a test's device, a result's steps, an attachment's path), so a line a tool or a
 * disk mangled (`"info": null`, a test without its device, a number where a list belongs) must be
 * caught here, named by its field, and never reach them. Properties the types do not name are
 * allowed: they change nothing any reader relies on.
 */
import type { JsonSchema } from '../config/step-kit.js';
import { jsonProblem } from '../config/schema-errors.js';
import { compileSchema } from '../config/validator.js';
import type { RunEvent } from './events.js';

const text: JsonSchema = { type: 'string' };
const texts: JsonSchema = { type: 'array', items: text };
const time: JsonSchema = { type: 'number' };
const whole: JsonSchema = { type: 'integer', minimum: 0 };
const flag: JsonSchema = { type: 'boolean' };
const obj = (required: string[], properties: Record<string, JsonSchema>): JsonSchema => ({ type: 'object', required, properties });
const list = (items: JsonSchema): JsonSchema => ({ type: 'array', items });

const TEST_STATUS = ['passed', 'failed', 'skipped', 'interrupted', 'error'];
const STEP_STATUS = ['passed', 'failed', 'error', 'skipped', 'timedOut', 'interrupted'];
const RUN_STATUS = ['passed', 'failed', 'interrupted', 'error'];
const PHASE = { enum: ['setup', 'test', 'teardown', 'session'] };

const attachment = obj(['name', 'path', 'contentType'], { name: text, path: text, contentType: text });
const failure = obj(['kind', 'message'], {
  kind: { enum: ['expectation', 'timeout', 'error', 'interrupted', 'rig-fault'] },
  message: text,
  crash: { enum: ['crashed', 'hung', 'rebooted', 'degraded'] },
  input: texts,
  reproducer: text,
  expected: text,
  seen: text,
  likelyCause: text,
  fix: text,
  step: obj(['phase', 'index', 'text'], { phase: PHASE, index: whole, text, where: text }),
  stack: text,
});
const device = obj(['name', 'eui64', 'address', 'link', 'port', 'firmwareVersion', 'hwId', 'firmwareGroup', 'capabilities'], {
  name: text,
  eui64: text,
  address: text,
  link: text,
  port: whole,
  firmwareVersion: text,
  hwId: text,
  firmwareGroup: text,
  capabilities: texts,
});
const testCase = obj(['id', 'rig', 'suite', 'name', 'title', 'where', 'device', 'requires', 'retries'], {
  id: text,
  rig: text,
  suite: obj(['name', 'branch', 'file'], { name: text, branch: text, file: text }),
  name: text,
  title: text,
  where: text,
  device,
  requires: obj(['capabilities', 'nmsAddresses'], { capabilities: texts, nmsAddresses: texts }),
  retries: whole,
  skipReason: text,
});
const step = obj(['phase', 'index', 'text', 'status', 'startTime', 'duration', 'logs', 'attachments'], {
  phase: PHASE,
  index: whole,
  text,
  where: text,
  status: { enum: STEP_STATUS },
  startTime: time,
  duration: time,
  logs: texts,
  failure,
  attachments: list(attachment),
});
const result = obj(['testId', 'retry', 'status', 'willRetry', 'startTime', 'duration', 'steps', 'attachments'], {
  testId: text,
  retry: whole,
  status: { enum: TEST_STATUS },
  willRetry: flag,
  startTime: time,
  duration: time,
  steps: list(step),
  failure,
  skipReason: text,
  stopped: flag,
  attachments: list(attachment),
});
const shard = obj(['index', 'total'], { index: { type: 'integer', minimum: 1 }, total: { type: 'integer', minimum: 1 } });
const info = obj(['rig', 'startTime', 'tests', 'retries', 'bail'], {
  rig: obj(['name', 'file'], { name: text, file: text }),
  startTime: time,
  tests: list(testCase),
  shard,
  plan: obj(['digest', 'shardTests'], { digest: text, shardTests: list(whole) }),
  retries: whole,
  bail: flag,
});
const counts = obj(['passed', 'failed', 'flaky', 'skipped', 'interrupted', 'error'], { passed: whole, failed: whole, flaky: whole, skipped: whole, interrupted: whole, error: whole });
const summary = obj(['status', 'startTime', 'duration', 'counts'], { status: { enum: RUN_STATUS }, startTime: time, duration: time, counts, message: text, rigFaultOnly: flag });
const attribution = { device: text, testId: text, retry: whole };
const decodeError = obj(['layer', 'offset', 'reason'], { layer: text, offset: whole, reason: text });
const frame = obj(['at', 'direction', 'link', 'tlvs', 'hex'], {
  ...attribution,
  at: time,
  direction: { enum: ['in', 'out'] },
  link: text,
  src: text,
  dst: text,
  srcPort: whole,
  dstPort: whole,
  from: text,
  to: text,
  udpChecksumOk: flag,
  coap: obj(['type', 'code', 'codeName', 'messageId', 'token', 'uriPath', 'uriQuery', 'payloadLength'], {
    type: { enum: ['CON', 'NON', 'ACK', 'RST'] },
    code: text,
    codeName: text,
    messageId: whole,
    token: text,
    uriPath: texts,
    uriQuery: texts,
    payloadLength: whole,
  }),
  tlvs: list(obj(['type', 'name', 'raw'], { type: whole, name: text, value: { type: 'object' }, raw: text, vendor: whole, vendorType: whole, error: decodeError })),
  signature: obj(['status'], { status: { enum: ['verified', 'failed', 'not checked'] }, reason: text }),
  error: decodeError,
  hex: text,
});

const EVENTS: Record<RunEvent['type'], JsonSchema> = {
  begin: obj(['info'], { info }),
  testBegin: obj(['testId', 'attempt'], { testId: text, attempt: obj(['retry', 'startTime'], { retry: whole, startTime: time }) }),
  stepBegin: obj(['testId', 'step'], { testId: text, step: obj(['phase', 'index', 'text', 'of'], { phase: PHASE, index: whole, text, of: whole }) }),
  stepEnd: obj(['testId', 'step'], { testId: text, step }),
  testEnd: obj(['testId', 'result'], { testId: text, result }),
  frame: obj(['frame'], { frame }),
  console: obj(['line'], { line: obj(['at', 'device', 'direction', 'text'], { ...attribution, at: time, device: text, direction: { enum: ['tx', 'rx'] }, text }) }),
  power: obj(['action'], {
    action: obj(['at', 'device', 'op', 'outcome'], { ...attribution, at: time, device: text, op: { enum: ['on', 'off', 'cycle'] }, outcome: { enum: ['started', 'done', 'failed'] }, message: text }),
  }),
  nms: obj(['change'], {
    change: obj(['at', 'kind', 'deviceAt', 'name', 'message'], { ...attribution, at: time, kind: { enum: ['state', 'event'] }, deviceAt: time, name: text, message: text, severity: text }),
  }),
  error: obj(['error'], { error: obj(['message'], { message: text, stack: text }), lost: whole }),
  note: obj(['note'], { note: obj(['kind', 'message', 'at'], { kind: text, message: text, at: time, device: text, link: text }) }),
  end: obj(['summary'], { summary }),
};
const TYPES = Object.keys(EVENTS);

/** What is wrong with an event line (after the header), or undefined when it is an event of its `type`. */
export function eventProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `not a JSON object (found ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value})`;
  const type = (value as { type?: unknown }).type;
  if (type === undefined) return "missing property 'type'";
  if (typeof type !== 'string' || !Object.hasOwn(EVENTS, type)) return `type ${JSON.stringify(type)} is not one of ${TYPES.join(', ')}`;
  return jsonProblem(compileSchema(EVENTS[type as RunEvent['type']]), value);
}
