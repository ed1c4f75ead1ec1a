/**
 * The meter's configuration document as it sits in flash: vendor XML with a `DevCfgSchema` root
 * (csmp-protocol.md section 9, demo-mode branch: `<DemoMode_Cfg><DemoModeEnable>true…`). The
 * other sections hold what the CSMP side reads from flash: WPAN settings (SSID, PAN id, transmit
 * power), the NMS address, and the group ids. dev-cfg.xsd beside this file describes it.
 *
 * Reading is strict: a document that is not well-formed, or whose root is not DevCfgSchema, is
 * unreadable as a whole (a meter's XML parser rejects it), and every field comes back absent. A
 * single element whose text does not fit its type is absent on its own.
 */
import { isIPv6 } from 'node:net';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

export interface DevConfig {
  demoMode?: boolean;
  ssid?: string;
  panId?: number;
  txPower?: number;
  nmsAddress?: string;
  nmsPort?: number;
  firmwareGroup?: number;
  configGroup?: number;
}

export type DevConfigField = keyof DevConfig;

type Kind = 'bool' | 'text' | 'ipv6' | { min: number; max: number };

interface FieldSpec {
  path: string;
  kind: Kind;
  maxBytes?: number;
}

/** Where each typed field lives in the document; the console's `set config` takes these paths. */
export const DEV_CFG_FIELDS: Readonly<Record<DevConfigField, FieldSpec>> = {
  demoMode: { path: 'DemoMode_Cfg/DemoModeEnable', kind: 'bool' },
  // 802.15.4 network names are at most 32 bytes (WPANStatus.SSID).
  ssid: { path: 'WPAN_Cfg/SSID', kind: 'text', maxBytes: 32 },
  panId: { path: 'WPAN_Cfg/PANID', kind: { min: 0, max: 0xffff } },
  txPower: { path: 'WPAN_Cfg/TxPower', kind: { min: -128, max: 127 } },
  nmsAddress: { path: 'NMS_Cfg/Address', kind: 'ipv6' },
  nmsPort: { path: 'NMS_Cfg/Port', kind: { min: 1, max: 0xffff } },
  firmwareGroup: { path: 'Group_Cfg/FirmwareGroup', kind: { min: 0, max: 0xffffffff } },
  configGroup: { path: 'Group_Cfg/ConfigGroup', kind: { min: 0, max: 0xffffffff } },
};

const ROOT = 'DevCfgSchema';
/** Sections in document order, so a freshly written file always looks the same. */
const FIELD_ORDER = Object.keys(DEV_CFG_FIELDS) as DevConfigField[];

/** A value the console or a caller tried to store does not fit the field. */
export class ConfigValueError extends Error {
  override readonly name = 'ConfigValueError';
}

type Tree = { [name: string]: string | Tree };

const parser = new XMLParser({ parseTagValue: false, trimValues: true, ignoreDeclaration: true, ignoreAttributes: true });
const builder = new XMLBuilder({ format: true, indentBy: '  ', suppressEmptyNode: false });

/** Typed fields of a document, or undefined when the document is unreadable. */
export function parseDevConfig(xml: string): DevConfig | undefined {
  const tree = parseTree(xml);
  if (!tree) return undefined;
  const out: DevConfig = {};
  for (const field of FIELD_ORDER) {
    const text = lookup(tree, DEV_CFG_FIELDS[field].path);
    if (text === undefined) continue;
    const v = decodeValue(field, text);
    if (v !== undefined) (out as Record<string, unknown>)[field] = v;
  }
  return out;
}

export function emitDevConfig(config: DevConfig): string {
  const tree: Tree = {};
  for (const field of FIELD_ORDER) {
    const v = config[field];
    if (v === undefined) continue;
    checkValue(field, v);
    const [section, leaf] = DEV_CFG_FIELDS[field].path.split('/') as [string, string];
    const node = (tree[section] ??= {}) as Tree;
    node[leaf] = String(v);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [ROOT]: tree }) as string}`;
}

/**
 * The field a console key names: a document path (`WPAN_Cfg/SSID`, optionally under
 * `/DevCfgSchema/`) or the field name (`ssid`), case-insensitive.
 */
export function fieldForKey(key: string): DevConfigField | undefined {
  const k = key.replace(/^\/?DevCfgSchema\//i, '').toLowerCase();
  return FIELD_ORDER.find((f) => f.toLowerCase() === k || DEV_CFG_FIELDS[f].path.toLowerCase() === k);
}

/** Parses console text for `field`; ConfigValueError says what fits. */
export function valueFromText(field: DevConfigField, text: string): DevConfig[DevConfigField] {
  const v = decodeValue(field, text);
  if (v === undefined) throw new ConfigValueError(`${DEV_CFG_FIELDS[field].path}: '${text}' is not ${describeKind(field)}`);
  checkValue(field, v);
  return v;
}

export function checkValue(field: DevConfigField, v: unknown): void {
  const spec = DEV_CFG_FIELDS[field];
  const ok =
    spec.kind === 'bool'
      ? typeof v === 'boolean'
      : spec.kind === 'text'
        ? typeof v === 'string' && !/[\x00-\x1f\x7f]/.test(v) && v === v.trim()
        : spec.kind === 'ipv6'
          ? typeof v === 'string' && isIPv6(v)
          : Number.isInteger(v) && (v as number) >= spec.kind.min && (v as number) <= spec.kind.max;
  if (!ok) throw new ConfigValueError(`${spec.path}: ${JSON.stringify(v)} is not ${describeKind(field)}`);
  if (spec.maxBytes !== undefined && Buffer.byteLength(v as string) > spec.maxBytes) {
    throw new ConfigValueError(`${spec.path}: at most ${spec.maxBytes} bytes`);
  }
}

function describeKind(field: DevConfigField): string {
  const spec = DEV_CFG_FIELDS[field];
  if (spec.kind === 'bool') return 'true or false';
  if (spec.kind === 'text') return `text without control characters${spec.maxBytes ? ` (at most ${spec.maxBytes} bytes)` : ''}`;
  if (spec.kind === 'ipv6') return 'an IPv6 address';
  return `an integer from ${spec.kind.min} to ${spec.kind.max}`;
}

function decodeValue(field: DevConfigField, text: string): DevConfig[DevConfigField] {
  const kind = DEV_CFG_FIELDS[field].kind;
  if (kind === 'bool') return text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : undefined;
  if (kind === 'text') return text;
  if (kind === 'ipv6') return isIPv6(text) ? text : undefined;
  if (!/^-?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= kind.min && n <= kind.max ? n : undefined;
}

function parseTree(xml: string): Tree | undefined {
  if (XMLValidator.validate(xml) !== true) return undefined;
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const names = Object.keys(doc);
  // Two roots pass fast-xml-parser's validator; a meter's parser would refuse them.
  if (names.length !== 1 || names[0] !== ROOT) return undefined;
  const root = (doc as Record<string, unknown>)[ROOT];
  return root && typeof root === 'object' && !Array.isArray(root) ? (root as Tree) : root === '' ? {} : undefined;
}

function lookup(tree: Tree, path: string): string | undefined {
  let node: unknown = tree;
  for (const part of path.split('/')) {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Tree)[part];
  }
  // A repeated element is ambiguous: treat it as unreadable rather than guess.
  return typeof node === 'string' ? node : undefined;
}
