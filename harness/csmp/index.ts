/** The CSMP codec: TLV framing, values, text ids, printing and signatures. */
export * from './hex.js';
export * from './varint.js';
export * from './tlv.js';
export * from './tlv-id.js';
export * from './registry.js';
export * from './value.js';
export * from './payload.js';
export * from './format.js';
export * from './asn1.js';
export * from './keys.js';
export * from './signature.js';
export { csmpRoot, csmpMessageType, csmpProtoPath, loadCsmpProto } from './schema/load.js';
