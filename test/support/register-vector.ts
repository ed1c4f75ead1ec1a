/**
 * The registration exchange of csmp_register.pcap (doc 8.3, 8.4), the one source every layer's
 * tests take it from: the bytes are read from the capture in test/fixtures/vectors, the decoded
 * values are written once, as the protocol doc's field names give them (JSON form, bytes as hex).
 */
import { toHex } from '../../core/bytes.js';
import { captureCoap } from './vectors.js';

function captured(frame: number, header: string): string {
  const coap = toHex(captureCoap('csmp_register.pcap', frame));
  if (!coap.startsWith(header)) throw new Error(`csmp_register.pcap frame ${frame} does not start ${header}: ${coap.slice(0, 20)}`);
  return coap;
}

/** The CoAP header before the payload: CON, TKL 0, POST, MID 0, Uri-Path "r", payload marker. */
export const REGISTER_COAP_HEADER = '40020000b172ff';

/** 8.3: frame 1, the agent's registration, the whole CoAP message (CON POST /r, 602 bytes), as hex. */
export const REGISTER_COAP = captured(1, REGISTER_COAP_HEADER);

/** 8.3: the 595-byte payload of frame 1. */
export const REGISTER_PAYLOAD = REGISTER_COAP.slice(REGISTER_COAP_HEADER.length);

/** FND's answer before the payload: ACK 2.03, MID 0, TKL 0, payload marker. */
export const FND_RESPONSE_HEADER = '60430000ff';

/** 8.4: frame 2, FND's registration response (ACK 2.03, 125 bytes). */
export const FND_RESPONSE_COAP = captured(2, FND_RESPONSE_HEADER);

/** 8.4: its 120-byte signed payload. */
export const FND_RESPONSE_PAYLOAD = FND_RESPONSE_COAP.slice(FND_RESPONSE_HEADER.length);

/** 8.4: the signed bytes of FND's response, payload offsets 0-29. */
export const FND_SIGNED_BYTES = FND_RESPONSE_PAYLOAD.slice(0, 30 * 2);

/** 8.4: the Signature TLV's DER value (86 bytes), after its TLV header 4d 58 and field header 0a 56 at offsets 30-33. */
export const FND_SIGNATURE_VALUE = FND_RESPONSE_PAYLOAD.slice(34 * 2);

export const REGISTER_FIRMWARE_IMAGE_INFO = {
  index: 1,
  fileHash: '3132333435000000000000000000000000000000000000000000000000000000',
  fileName: 'vendor firmware',
  version: '1.0.0',
  fileSize: 246272,
  isDefault: true,
  isRunning: true,
  hwInfo: { hwId: '', vendorHwId: 'vendor hardware ID' },
} as const;

/** 8.3: every TLV of frame 1 decoded, in order, each with its name (JSON form, no defaulted fields). */
export const REGISTER_TLVS: readonly Record<string, unknown>[] = [
  { name: 'DeviceID', type: 1, id: '0A0027FFFE3B2AB2' },
  { name: 'CurrentTime', posix: 1608173973, source: 0 },
  {
    name: 'HardwareDesc',
    entPhysicalIndex: 1,
    entPhysicalDescr: 'CSMP Agent Lib test node',
    entPhysicalClass: 9,
    entPhysicalName: 'lowpan',
    entPhysicalHardwareRev: '1.0',
    entPhysicalFirmwareRev: '1.0.0',
    entPhysicalSerialNum: '0A0027FFFE3B2AB2',
    entPhysicalMfgName: 'IOTG CRDC',
    entPhysicalModelName: 'CSMP AGENT LIB',
    entPhysicalFunction: 1,
  },
  { name: 'InterfaceDesc', ifIndex: 1, ifName: 'lo', ifDescr: 'Loopback', ifType: 24 },
  { name: 'InterfaceDesc', ifIndex: 2, ifName: 'lowpan', ifDescr: 'Ieee154', ifType: 259, ifPhysAddress: '0a0027fffe3b2ab2' },
  {
    name: 'IPAddress',
    ipAddressIndex: 1,
    ipAddressAddrType: 2,
    ipAddressAddr: '00000000000000000000000000000001',
    ipAddressIfIndex: 1,
    ipAddressType: 1,
    ipAddressOrigin: 4,
    ipAddressStatus: 1,
    ipAddressPfxLen: 128,
  },
  {
    name: 'IPAddress',
    ipAddressIndex: 2,
    ipAddressAddrType: 2,
    ipAddressAddr: 'fe800000000000000207810900dc0c8d',
    ipAddressIfIndex: 2,
    ipAddressType: 1,
    ipAddressOrigin: 5,
    ipAddressStatus: 1,
    ipAddressPfxLen: 128,
  },
  {
    name: 'IPAddress',
    ipAddressIndex: 3,
    ipAddressAddrType: 2,
    ipAddressAddr: '2001000a000b000c0000000000000009',
    ipAddressIfIndex: 2,
    ipAddressType: 1,
    ipAddressOrigin: 4,
    ipAddressStatus: 1,
    ipAddressPfxLen: 64,
  },
  {
    name: 'IPRoute',
    inetCidrRouteIndex: 1,
    inetCidrRouteDestType: 2,
    inetCidrRouteDest: '00000000000000000000000000000000',
    inetCidrRoutePfxLen: 0,
    inetCidrRouteNextHopType: 4,
    inetCidrRouteNextHop: 'fe800000000000000a0027fffe3b2ab1',
    inetCidrRouteIfIndex: 2,
  },
  {
    name: 'InterfaceMetrics',
    ifIndex: 1,
    ifAdminStatus: 1,
    ifOperStatus: 1,
    ifLastChange: 0,
    ifInOctets: 0,
    ifOutOctets: 0,
    ifInDiscards: 0,
    ifInErrors: 0,
    ifOutDiscards: 0,
    ifOutErrors: 0,
  },
  {
    name: 'InterfaceMetrics',
    ifIndex: 2,
    ifAdminStatus: 1,
    ifOperStatus: 9,
    ifLastChange: 10,
    ifInOctets: 1320,
    ifOutOctets: 610,
    ifInDiscards: 23,
    ifInErrors: 0,
    ifOutDiscards: 0,
    ifOutErrors: 0,
  },
  {
    name: 'IPRouteRPLMetrics',
    inetCidrRouteIndex: 1,
    instanceIndex: 1,
    rank: 256,
    hops: 1,
    pathEtx: 2,
    linkEtx: 2,
    rssiForward: -69,
    rssiReverse: -59,
    lqiForward: 60,
    lqiReverse: 8,
    dagSize: 4,
  },
  {
    name: 'WPANStatus',
    ifIndex: 2,
    SSID: '43524443',
    panid: 1234,
    master: false,
    dot1xEnabled: false,
    securityLevel: 1,
    rank: 256,
    beaconValid: true,
    beaconVersion: 32695,
    beaconAge: 253,
    txPower: 28,
    dagSize: 4,
    metric: 1,
    lastChanged: 10,
    lastChangedReason: 0,
  },
  {
    name: 'RPLInstance',
    instanceIndex: 1,
    instanceId: 170,
    doDagId: '20010db8000000000000000000000000',
    doDagVersionNumber: 206,
    rank: 256,
    parentCount: 1,
    dagSize: 4,
  },
  { name: 'FirmwareImageInfo', ...REGISTER_FIRMWARE_IMAGE_INFO },
];

/** 8.4: FND's answer decoded: ReportSubscribe, SessionID, SignatureValidity, Signature. */
export const FND_RESPONSE_TLVS: readonly Record<string, unknown>[] = [
  { name: 'ReportSubscribe', interval: 20, tlvid: ['2', '22'] },
  { name: 'SessionID', id: '1' },
  { name: 'SignatureValidity', notBefore: 1557295060, notAfter: 1667295060 },
  { name: 'Signature', value: FND_SIGNATURE_VALUE },
];
