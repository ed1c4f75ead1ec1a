/**
 * Every catalogued TLV id by its canonical name (doc 5.1), the one place code names a TLV by number:
 * `TLV.FirmwareImageInfo` rather than 75. The table itself is generated with the catalogue from
 * schema/tlv-tables.md (schema/generate.mjs), so there is one list of ids, not two kept equal.
 */
import { tlvTypes } from './schema/catalogue.js';

export const TLV = tlvTypes;

export type TlvName = keyof typeof TLV;
