/**
 * Whether a dotted field path ("hwInfo.hwId") names a field of a TLV's message. A suite that
 * misspells a field reads it as absent on every device: `notEquals` and `absent` would then hold
 * whatever the device sends, so the suite loader asks here before a run starts.
 */
import protobuf from 'protobufjs';
import { messageTypeFor, tlvName } from './registry.js';

/** Why `path` is no field of TLV `tlv`, or undefined when it is one (or the TLV has no schema here). */
export function fieldPathProblem(tlv: number, path: string): string | undefined {
  let type: protobuf.Type | undefined = messageTypeFor(tlv);
  if (type === undefined) return undefined;
  const parts = path.split('.');
  let owner = `TLV ${tlv} ${tlvName(tlv)}`;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (type === undefined) return `${owner} is a plain value: it has no field '${parts.slice(i).join('.')}'`;
    const field: protobuf.Field | undefined = type.fields[part];
    if (field === undefined) return `${owner} has no field '${part}' (its fields: ${Object.keys(type.fields).join(', ')})`;
    owner = i === 0 ? `${owner} field ${part}` : `${owner}.${part}`;
    // A repeated field is an array: an index may follow ("neighbors.0.rssi").
    if (field.repeated && /^[0-9]+$/.test(parts[i + 1] ?? '')) i++;
    type = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
  }
  return undefined;
}
