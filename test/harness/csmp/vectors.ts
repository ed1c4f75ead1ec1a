/**
 * Byte vectors from the protocol doc, section 8 (csmp_get.pcap, the reference agent at HEAD, and
 * the reproducible signature vector 8.8). The registration exchange is read from its capture:
 * test/support/register-vector.ts.
 */

/** 8.5 GET /c?q=1: the 2.05 payload, TlvIndex with 17 ids. */
export const GET_TLVINDEX_PAYLOAD =
  '01c1000a01310a01320a01370a0235350a0235380a0231330a0231310a0231320a0231360a0231370a0231' +
  '380a0232320a0232330a0232350a0233350a0235330a023735';

/** 8.5 GET /c?q=13: ReportSubscribe{interval 0} (explicit zero). */
export const GET_REPORTSUBSCRIBE_PAYLOAD = '0d82000800';

/** 8.5 GET /c?q=18: CurrentTime{posix 1608184620, source 0}. */
export const GET_CURRENTTIME_PAYLOAD = '12880008ace6ebfe051800';

/** 8.5 GET /c?q=22: Uptime{sysUpTime 12}. */
export const GET_UPTIME_PAYLOAD = '168200080c';

/** 8.5 GET /c?q=25: IPRouteRPLMetrics with zig-zag rssi. */
export const GET_RPLMETRICS_PAYLOAD = '199800080110011880022001280230023889014075483c50085804';

/** 8.5 GET /c?q=23: two InterfaceMetrics rows. */
export const GET_INTERFACEMETRICS_PAYLOAD =
  '1794000801200128013000380040004800500058006000179600080220012809300a38d01440c4094817' + '500058006000';

/** 8.6 / 8.7: one Cisco vendor TLV of the HEAD agent, sub-type 1. */
export const VENDOR_TLV_SUBTYPE1 = '7f8b2d7fa400' + '0801' + '1220' + '01'.repeat(32);

/** 8.7: CGMSNotification{code 0} as the agent sends it (two-byte length). */
export const CGMS_NOTIFICATION_CODE0 = '2c82000800';

/** 8.8: test-only key pair and signed registration response. */
export const SIG_TEST_PRIVATE_SCALAR = '7132eebe80b85f49f2fed06882b6a67098615eae970ae3280291619ee2c85ce8';
export const SIG_TEST_PUBLIC_POINT =
  '0435fe9e4b6f4cae332b0d63c88143248fe4609956b525afeb13dce532daa24b77' +
  '3d2a39f0459e7ab08fed3ed78c0fa57c4225c72ee925de87fa334e477b4fe079';
export const SIG_VECTOR_PAYLOAD =
  '0d0b088407120232321202333507030a01314c0c0880e2cfaa061080e6fe89074d580a56305406082a8648ce3d04030203' +
  '48003045022100c051ecf0b9b4bb88a8583ace6644495db9ad6d0d3ba40cadf3693e61338e89d502200e0d5fb56018ba76' +
  'f2d4ef3a7ff6bdaeda04e532a12ba9849f5bc82654a3a2a3';
export const SIG_VECTOR_SIGNED_LENGTH = 32;

/** 5.4: the tutorial's HardwareDesc value (FND log of an IR530), value only. */
export const TUTORIAL_HARDWAREDESC_VALUE =
  '0801121d4952353330202d2053696e676c6520616e74656e6e6120772f2042425528093a066c6f7770616e4203312e30' +
  '4a0a362e3628362e362e35295a0b46435732313330303032456213436973636f2053797374656d732c20496e632e6a12' +
  '495235333053422d4f46442d4643432f4b39880102';
