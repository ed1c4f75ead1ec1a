import { DURATION_PATTERN } from '../../core/duration.js';
import type { JsonSchema } from './step-kit.js';

export const CSMP_PORT = 61628;
/** Agents answer on 61628; some meter firmware listens for the NMS on 61624 instead. */
export const DEVICE_PORTS = [61628, 61624] as const;
export const DEFAULT_BAUD_RATE = 115200;
export const DEFAULT_POWER_TIMEOUT_MS = 10_000;

const name: JsonSchema = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  description: 'a name of letters, digits, ".", "_" and "-"',
};
const capability: JsonSchema = {
  type: 'string',
  pattern: '^[a-z0-9][a-z0-9-]*$',
  description: 'a capability name in lower-case kebab-case (console, power, clock-set, demo-mode, flash-corrupt, cert-swap …)',
};
const nonEmpty: JsonSchema = { type: 'string', minLength: 1 };

const slipLink: JsonSchema = {
  type: 'object',
  description: 'An RF dongle carrying IPv6 over SLIP on a serial port, local or through ser2net.',
  properties: {
    name,
    kind: { const: 'slip' },
    path: {
      ...nonEmpty,
      description:
        "Serial device path (/dev/ttyUSB0, prefer /dev/serial/by-id/…), 'usb:serial=A10K3XYZ[,vendor=0403][,product=6001][,interface=0]' (found by USB serial number at every open and reconnect: survives re-enumeration) or 'tcp://host:port' for ser2net.",
    },
    baudRate: { type: 'integer', minimum: 1, default: DEFAULT_BAUD_RATE },
  },
  required: ['name', 'kind', 'path'],
  additionalProperties: false,
};

const udpLink: JsonSchema = {
  type: 'object',
  description: 'Real UDP sockets for IP-reachable agents (border router, Linux agents, the virtual load rig).',
  properties: {
    name,
    kind: { const: 'udp' },
    bind: { ...nonEmpty, description: "Local address to bind, '[addr]:port' or 'addr'." },
  },
  required: ['name', 'kind', 'bind'],
  additionalProperties: false,
};

const consoleSchema: JsonSchema = {
  type: 'object',
  description: "The board's line-oriented serial console.",
  properties: {
    path: { ...nonEmpty, description: "Serial device path, 'usb:serial=…' (see the slip link's path) or 'tcp://host:port'." },
    baudRate: { type: 'integer', minimum: 1, default: DEFAULT_BAUD_RATE },
    prompt: { ...nonEmpty, description: 'Text the console prints when it is ready for the next command.' },
    errorPattern: { ...nonEmpty, description: 'Regular expression: console output matching it fails the step.' },
    commands: {
      type: 'object',
      description: 'Capability → command template for this board model; {args} is replaced by the step arguments.',
      propertyNames: capability,
      additionalProperties: { type: 'string' },
    },
  },
  required: ['path', 'prompt'],
  additionalProperties: false,
};

const powerSchema: JsonSchema = {
  type: 'object',
  description: 'Shell commands (run with execa) that switch the board: relay, USB hub, PDU.',
  properties: {
    on: nonEmpty,
    off: nonEmpty,
    cycle: { ...nonEmpty, description: 'Optional; without it a cycle is off, a dwell of offMs, then on.' },
    offMs: { type: 'integer', minimum: 0, description: 'How long a cycle leaves the board off (ms, default 1000): lets supply rails and frames already in flight drain.' },
    timeoutMs: { type: 'integer', minimum: 1, default: DEFAULT_POWER_TIMEOUT_MS },
  },
  required: ['on', 'off'],
  additionalProperties: false,
};

const deviceSchema: JsonSchema = {
  type: 'object',
  properties: {
    name,
    eui64: {
      type: 'string',
      pattern: '^([0-9A-Fa-f]{16}|([0-9A-Fa-f]{2}[:-]){7}[0-9A-Fa-f]{2})$',
      description: "an EUI-64 of 16 hex digits, optionally in pairs separated by ':' or '-'",
    },
    address: { ...nonEmpty, description: 'IPv6 address of the device.' },
    link: { ...nonEmpty, description: 'Name of the link that reaches the device.' },
    port: { enum: [...DEVICE_PORTS], default: CSMP_PORT },
    console: consoleSchema,
    power: powerSchema,
    expected: {
      type: 'object',
      description: 'What the device should report; a mismatch is a failure of the registration tests.',
      properties: {
        firmwareVersion: nonEmpty,
        hwId: nonEmpty,
        firmwareGroup: { type: ['string', 'integer'] },
        configGroup: { type: ['string', 'integer'] },
      },
      required: ['firmwareVersion', 'hwId', 'firmwareGroup'],
      additionalProperties: false,
    },
    capabilities: { type: 'array', items: capability, uniqueItems: true },
    regIntervalMax: {
      type: 'integer',
      minimum: 1,
      description:
        "Seconds: the longest interval the device's registration retry timer reaches (its trickle max; the reference agent's Linux sample 20, FreeRTOS 100, the draft's default 3600). A device held Registering must try again within 1.5 times this. Absent: 36000, the most the reference agent accepts. The virtual rig fills it in from the meter's regInterval.",
    },
  },
  required: ['name', 'eui64', 'address', 'link', 'expected', 'capabilities'],
  additionalProperties: false,
};

const pkcs11Schema: JsonSchema = {
  type: 'object',
  description: 'The NMS private key in an HSM or software token, used through its PKCS#11 module; the key never leaves the token.',
  properties: {
    module: { ...nonEmpty, description: 'Path of the PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so).' },
    token: { ...nonEmpty, description: 'Token label (or give slot).' },
    slot: { type: 'integer', minimum: 0, description: 'Slot id (or give token).' },
    key: { ...nonEmpty, description: 'Label (CKA_LABEL) of the ECDSA P-256 private key.' },
    pinEnv: {
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      description: 'Name of the environment variable holding the user PIN; the PIN itself never goes in the rig file.',
    },
  },
  required: ['module', 'key', 'pinEnv'],
  additionalProperties: false,
};

const locksSchema: JsonSchema = {
  description:
    "Where device and port leases are kept: 'redis://host:6379' (several hosts share the rig), or a folder for lock files (one host). Default: lock files in the system temp folder.",
  oneOf: [
    { ...nonEmpty, pattern: '^(rediss?://|file:|/)' },
    {
      type: 'object',
      properties: {
        url: { ...nonEmpty, pattern: '^(rediss?://|file:|/)' },
        ttl: { type: 'string', pattern: DURATION_PATTERN, description: "How long a lease outlives a holder that stopped renewing it (default '30s')." },
        prefix: { ...name, description: "Redis key prefix (default 'csmp-hil')." },
      },
      required: ['url'],
      additionalProperties: false,
    },
  ],
};

export function rigSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'csmp-hil rig',
    description: 'A bench: the NMS identity the harness plays, the links, and the devices under test.',
    type: 'object',
    properties: {
      name: { ...name, description: 'Rig name shown in reports; defaults to the file name.' },
      nms: {
        type: 'object',
        properties: {
          addresses: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              properties: { name: { enum: ['fnd', 'vip'] }, address: { ...nonEmpty, description: 'IPv6 address.' } },
              required: ['name', 'address'],
              additionalProperties: false,
            },
          },
          port: { type: 'integer', minimum: 1, maximum: 65535, default: CSMP_PORT },
          signing: {
            type: 'object',
            description: 'The NMS signing identity: a PEM key file (key) or a key in a PKCS#11 token (pkcs11), and the certificate devices verify with.',
            properties: {
              key: { ...nonEmpty, description: 'PEM private key path, relative to the rig file (or use pkcs11).' },
              cert: { ...nonEmpty, description: 'PEM certificate path, relative to the rig file.' },
              pkcs11: pkcs11Schema,
            },
            required: ['cert'],
            additionalProperties: false,
          },
        },
        required: ['addresses', 'signing'],
        additionalProperties: false,
      },
      locks: locksSchema,
      links: { type: 'array', minItems: 1, items: { oneOf: [slipLink, udpLink] } },
      devices: { type: 'array', minItems: 1, items: deviceSchema },
      session: {
        type: 'object',
        description: 'What a run does with each device before its first test.',
        properties: {
          start: {
            enum: ['as-found', 're-register'],
            description:
              "'as-found': take each device as it is (a bench left powered between runs) and probe it at once with a GET, an answer counting as heard; 're-register': power-cycle it where the rig has power control, else send a signed RebootRequest, and wait for its fresh registration. Absent: neither, devices are met as they report or register.",
          },
        },
        required: ['start'],
        additionalProperties: false,
      },
      // The virtual rig validates its own section (rigs/virtual/config.ts); the published schema
      // types it from there (harness/app/publish-schemas.ts).
      virtual: { type: 'object', description: 'Settings of the simulated dongle and meters (virtual rig only).' },
    },
    required: ['nms', 'links', 'devices'],
    additionalProperties: false,
  };
}
