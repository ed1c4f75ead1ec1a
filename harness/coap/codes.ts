/**
 * CoAP codes as dotted text ('c.dd'), the form RFC 7252 and csmp-protocol.md write them in,
 * so that a report line, a suite expectation and a decoded message all read the same.
 */

export type CoapMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'FETCH' | 'PATCH' | 'iPATCH';

export const METHOD_CODES: Readonly<Record<CoapMethod, string>> = {
  GET: '0.01',
  POST: '0.02',
  PUT: '0.03',
  DELETE: '0.04',
  FETCH: '0.05',
  PATCH: '0.06',
  iPATCH: '0.07',
};

const NAMES: Readonly<Record<string, string>> = {
  '0.00': 'Empty',
  '0.01': 'GET',
  '0.02': 'POST',
  '0.03': 'PUT',
  '0.04': 'DELETE',
  '0.05': 'FETCH',
  '0.06': 'PATCH',
  '0.07': 'iPATCH',
  '2.01': 'Created',
  '2.02': 'Deleted',
  '2.03': 'Valid',
  '2.04': 'Changed',
  '2.05': 'Content',
  '2.31': 'Continue',
  '4.00': 'Bad Request',
  '4.01': 'Unauthorized',
  '4.02': 'Bad Option',
  '4.03': 'Forbidden',
  '4.04': 'Not Found',
  '4.05': 'Method Not Allowed',
  '4.06': 'Not Acceptable',
  '4.08': 'Request Entity Incomplete',
  '4.09': 'Conflict',
  '4.12': 'Precondition Failed',
  '4.13': 'Request Entity Too Large',
  '4.15': 'Unsupported Content-Format',
  '4.22': 'Unprocessable Entity',
  '4.29': 'Too Many Requests',
  '5.00': 'Internal Server Error',
  '5.01': 'Not Implemented',
  '5.02': 'Bad Gateway',
  '5.03': 'Service Unavailable',
  '5.04': 'Gateway Timeout',
  '5.05': 'Proxying Not Supported',
};

/** Every code byte as text, built once: decoding is on the per-frame hot path. */
export const CODE_TEXT: readonly string[] = Array.from(
  { length: 256 },
  (_, b) => `${b >> 5}.${String(b & 31).padStart(2, '0')}`,
);

const CODE_RE = /^([0-7])\.([0-3][0-9])$/;

/** '2.05' -> 0x45. Throws RangeError on text that is not a code (a programming error, not wire data). */
export function codeByte(code: string): number {
  const m = CODE_RE.exec(code);
  const detail = m ? Number(m[2]) : 32;
  if (!m || detail > 31) throw new RangeError(`not a CoAP code: ${JSON.stringify(code)}`);
  return (Number(m[1]) << 5) | detail;
}

/** The code of a method name, or the code itself when already dotted ('0.02'). */
export function methodCode(method: CoapMethod | string): string {
  const c = (METHOD_CODES as Record<string, string>)[method] ?? method;
  codeByte(c);
  return c;
}

/** '2.05' -> '2.05 Content'; unknown codes stay bare. */
export function codeName(code: string): string {
  const n = NAMES[code];
  return n === undefined ? code : `${code} ${n}`;
}

/** The class digit: 0 request/empty, 2 success, 4 client error, 5 server error. */
export function codeClass(code: string): number {
  return code.charCodeAt(0) - 48;
}

/** A request is class 0 with a non-zero detail; 0.00 is the Empty message. */
export function isRequest(m: string | { code: string }): boolean {
  const code = typeof m === 'string' ? m : m.code;
  return code.charCodeAt(0) === 48 && code !== '0.00';
}

export function isResponse(m: string | { code: string }): boolean {
  const cls = codeClass(typeof m === 'string' ? m : m.code);
  return cls >= 2 && cls <= 5;
}
