#!/usr/bin/env node
// Turns tlv-tables.md into csmp.proto, descriptor.ts and catalogue.ts.
//
//   node harness/csmp/schema/generate.mjs          write the three files
//   node harness/csmp/schema/generate.mjs --check  exit 1 when any of them is stale
//
// Plain JavaScript so it runs from a fresh clone without a build step.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const here = dirname(fileURLToPath(import.meta.url));
const SCALARS = new Set([
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes',
]);
const PACKABLE = (type) => SCALARS.has(type) && type !== 'string' && type !== 'bytes';

/** Splits the markdown into `{ heading, rows }` blocks, one per table, under the nearest heading. */
function tables(markdown) {
  const out = [];
  let heading = '';
  let current = null;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('#')) {
      heading = line.replace(/^#+\s*/, '');
      current = null;
      continue;
    }
    if (!line.startsWith('|')) {
      current = null;
      continue;
    }
    const cells = line.slice(1, line.lastIndexOf('|')).split('|').map((c) => c.trim());
    if (current === null) {
      // First row of a table is its header.
      current = { heading, rows: [] };
      out.push(current);
      continue;
    }
    if (cells.every((c) => /^-+$/.test(c))) continue;
    current.rows.push(cells);
  }
  return out;
}

function tableUnder(all, heading) {
  const found = all.filter((t) => t.heading.startsWith(heading));
  if (found.length !== 1) throw new Error(`expected one table under "${heading}", found ${found.length}`);
  return found[0].rows;
}

/** `1 a:uint32; 2 b:Foo*; 3 c:bytes!` as written in Appendix A and B. */
function compactFields(text, where) {
  return text.split(';').map((part) => {
    const m = /^\s*(\d+)\s+(\w+):(\w+)([*!]?)\s*$/.exec(part);
    if (!m) throw new Error(`${where}: cannot read field "${part}"`);
    return { id: Number(m[1]), name: m[2], type: m[3], repeated: m[4] === '*', required: m[4] === '!' };
  });
}

function parse(markdown) {
  const all = tables(markdown);
  const messages = new Map(); // name -> { name, fields, tlv? }
  const tlvs = new Map(); // id -> { id, names, message? }

  const addMessage = (name, fields, where, replace = false) => {
    if (messages.has(name) && !replace) throw new Error(`${where}: message ${name} defined twice`);
    messages.set(name, { name, fields });
  };

  for (const [id, names] of tableUnder(all, '5.1 TLV ids')) {
    const list = names.split('/').map((n) => n.trim()).filter((n) => n !== 'reserved');
    tlvs.set(Number(id), { id: Number(id), names: list });
  }

  let open = null;
  for (const [tlvCell, num, field, type, presence] of tableUnder(all, '5.2 Field tables')) {
    if (tlvCell !== '') {
      const m = /^\*\*(\d+) (\w+)\*\*/.exec(tlvCell);
      if (!m) throw new Error(`5.2: cannot read TLV cell "${tlvCell}"`);
      open = { name: m[2], fields: [] };
      addMessage(open.name, open.fields, '5.2');
      const tlv = tlvs.get(Number(m[1]));
      if (!tlv) throw new Error(`5.2: TLV ${m[1]} is not in 5.1`);
      tlv.message = open.name;
    }
    open.fields.push({
      id: Number(num), name: field, type,
      repeated: presence === 'rep', required: presence === 'req',
    });
  }

  for (const [id, name, fields] of tableUnder(all, 'Appendix A')) {
    if (tlvs.has(Number(id))) throw new Error(`Appendix A: TLV ${id} is also in 5.1`);
    addMessage(name, compactFields(fields, `TLV ${id}`), 'Appendix A');
    tlvs.set(Number(id), { id: Number(id), names: [name], message: name });
  }
  for (const [name, fields] of tableUnder(all, 'Appendix B')) {
    addMessage(name, compactFields(fields, name), 'Appendix B');
  }

  for (const [name, fields] of tableUnder(all, 'Messages replaced or added')) {
    addMessage(name, compactFields(fields, name), 'local', true);
  }
  for (const [id, fields] of tableUnder(all, 'Fields added to TLV messages')) {
    const msg = messages.get(tlvs.get(Number(id))?.message);
    if (!msg) throw new Error(`local: TLV ${id} has no message to extend`);
    msg.fields.push(...compactFields(fields, `TLV ${id}`));
  }
  for (const [name, fieldName, type] of tableUnder(all, 'Field types changed')) {
    const f = messages.get(name)?.fields.find((x) => x.name === fieldName);
    if (!f) throw new Error(`local: no field ${name}.${fieldName}`);
    f.type = type;
  }
  const renamed = new Map();
  for (const [id, name, aliases] of tableUnder(all, 'TLV names')) {
    renamed.set(Number(id), { name, aliases: aliases.split(',').map((a) => a.trim()).filter(Boolean) });
  }

  for (const msg of messages.values()) {
    msg.fields.sort((a, b) => a.id - b.id);
    const ids = new Set();
    const names = new Set();
    for (const f of msg.fields) {
      if (ids.has(f.id) || names.has(f.name)) throw new Error(`${msg.name}: field ${f.id} ${f.name} repeats`);
      ids.add(f.id);
      names.add(f.name);
      if (!SCALARS.has(f.type) && !messages.has(f.type)) throw new Error(`${msg.name}.${f.name}: unknown type ${f.type}`);
    }
  }

  const catalogue = [...tlvs.values()]
    .sort((a, b) => a.id - b.id)
    .map((t) => {
      const override = renamed.get(t.id);
      const name = override?.name ?? t.names[0];
      const aliases = new Set([...(override?.aliases ?? []), ...t.names, ...(t.message ? [t.message] : [])]);
      aliases.delete(name);
      return { id: t.id, name, aliases: [...aliases], ...(t.message ? { message: t.message } : {}) };
    });
  return { messages, catalogue };
}

function protoText({ messages, catalogue }) {
  const tlvOf = new Map(catalogue.filter((t) => t.message).map((t) => [t.message, t.id]));
  const lines = [
    '// Generated by generate.mjs from tlv-tables.md: edit the tables, then regenerate.',
    '//',
    '// proto2 because every singular field needs explicit presence (protocol doc 4.4):',
    '// a field the device sent as 0, false or "" must stay distinct from one it left out.',
    '// Fields the Wireshark schema marks `required` are written `optional`, so a device',
    '// that omits one still decodes; the comment keeps the fact. Repeated numbers are',
    '// packed on output (as the reference agent writes them); decoders accept both forms.',
    'syntax = "proto2";',
    '',
    'package csmp;',
  ];
  const sorted = [...messages.values()].sort((a, b) => {
    const ta = tlvOf.get(a.name) ?? Infinity;
    const tb = tlvOf.get(b.name) ?? Infinity;
    return ta === tb ? a.name.localeCompare(b.name) : ta - tb;
  });
  for (const msg of sorted) {
    lines.push('');
    const tlv = tlvOf.get(msg.name);
    lines.push(tlv === undefined ? '// nested message' : `// TLV ${tlv}`);
    lines.push(`message ${msg.name} {`);
    for (const f of msg.fields) {
      const label = f.repeated ? 'repeated' : 'optional';
      const options = f.repeated && PACKABLE(f.type) ? ' [packed = true]' : '';
      const note = f.required ? ' // required in the Wireshark schema' : '';
      lines.push(`  ${label} ${f.type} ${f.name} = ${f.id}${options};${note}`);
    }
    lines.push('}');
  }
  return lines.join('\n') + '\n';
}

function descriptorText(proto) {
  const root = protobuf.parse(proto, { keepCase: true }).root;
  const json = root.toJSON();
  const nested = json.nested.csmp.nested;
  const body = Object.entries(nested)
    .map(([name, def]) => `      ${JSON.stringify(name)}: ${JSON.stringify(def)},`)
    .join('\n');
  return [
    '// Generated by generate.mjs from csmp.proto: do not edit.',
    '// The schema as a protobufjs JSON descriptor, so loading it needs no file I/O and no path.',
    "import type { INamespace } from 'protobufjs';",
    '',
    'export const csmpDescriptor: INamespace = {',
    '  nested: {',
    '    csmp: {',
    '      nested: {',
    body.replace(/^ {6}/gm, '        '),
    '      },',
    '    },',
    '  },',
    '};',
    '',
  ].join('\n');
}

function catalogueText({ catalogue }) {
  const rows = catalogue.map((t) => `  ${JSON.stringify(t)},`.replace(/"(\w+)":/g, '$1:'));
  return [
    '// Generated by generate.mjs from tlv-tables.md: do not edit.',
    '',
    'export interface TlvCatalogueEntry {',
    '  readonly id: number;',
    '  /** Canonical name; `aliases` holds the other names the sources use. */',
    '  readonly name: string;',
    '  readonly aliases: readonly string[];',
    '  /** Message type in package `csmp`; absent when no source gives a schema. */',
    '  readonly message?: string;',
    '}',
    '',
    'export const tlvCatalogue: readonly TlvCatalogueEntry[] = [',
    ...rows,
    '];',
    '',
    '/** TLV type by canonical name, for code that names TLVs: `tlvTypes.Signature` is 77. */',
    'export const tlvTypes = {',
    ...catalogue.map((t) => `  ${t.name}: ${t.id},`),
    '} as const;',
    '',
  ].join('\n');
}

const model = parse(readFileSync(join(here, 'tlv-tables.md'), 'utf8'));
const proto = protoText(model);
const outputs = {
  'csmp.proto': proto,
  'descriptor.ts': descriptorText(proto),
  'catalogue.ts': catalogueText(model),
};

if (process.argv.includes('--check')) {
  const stale = Object.entries(outputs).filter(([file, text]) => {
    try {
      return readFileSync(join(here, file), 'utf8') !== text;
    } catch {
      return true;
    }
  });
  if (stale.length > 0) {
    console.error(`stale: ${stale.map(([f]) => f).join(', ')}; run node harness/csmp/schema/generate.mjs`);
    process.exit(1);
  }
} else {
  for (const [file, text] of Object.entries(outputs)) writeFileSync(join(here, file), text);
  console.log(`${model.messages.size} messages, ${model.catalogue.length} TLV ids`);
}
