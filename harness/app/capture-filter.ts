/**
 * The part of libpcap's filter language (pcap-filter(7)) the extcap applies to the IPv6 packets
 * it captures: Wireshark passes its capture filter with --extcap-capture-filter, and an extcap
 * that ignored it delivered everything while the user believed the capture filtered. Anything
 * outside the subset is refused, naming the word, never half-applied.
 *
 *   expr      := term (('and' | '&&' | 'or' | '||') term)*   -- left to right, one precedence, as libpcap
 *   term      := ('not' | '!') term | '(' expr ')' | primitive
 *   primitive := 'ip6' | 'udp' | ['udp'] [src|dst] 'port' N | ['ip6'] [src|dst] 'host' ADDRESS
 */
import { ConfigError } from '../../core/errors.js';
import { canonicalIpv6 } from '../../drivers/ip/address.js';
import { ipv6Text } from '../../drivers/ip/address-cache.js';
import { IPV6_HEADER_LEN, NEXT_HEADER_UDP, skipOptionHeaders } from '../../drivers/ip/ipv6.js';
import { UDP_HEADER_LEN } from '../../drivers/ip/udp.js';

export type PacketFilter = (ipv6: Uint8Array) => boolean;

export const SUPPORTED_FILTER = "ip6, udp, [udp] [src|dst] port N, [ip6] [src|dst] host ADDRESS, joined by and/or/not and parentheses";


/** undefined for an empty filter; ConfigError naming what is not supported. */
export function compileCaptureFilter(text: string): PacketFilter | undefined {
  const tokens = text.match(/\(|\)|&&|\|\||!|[^\s()!&|]+/g) ?? [];
  if (tokens.length === 0) return undefined;
  let at = 0;
  const refuse = (why: string): never => {
    throw new ConfigError('--extcap-capture-filter', 'value', `${JSON.stringify(text)}: ${why} (supported: ${SUPPORTED_FILTER})`);
  };
  const peek = () => tokens[at]?.toLowerCase();
  const take = () => tokens[at++];

  const expr = (): PacketFilter => {
    let left = term();
    for (;;) {
      const op = peek();
      if (op === 'and' || op === '&&') {
        take();
        const a = left;
        const b = term();
        left = (p) => a(p) && b(p);
      } else if (op === 'or' || op === '||') {
        take();
        const a = left;
        const b = term();
        left = (p) => a(p) || b(p);
      } else return left;
    }
  };
  const term = (): PacketFilter => {
    const t = peek();
    if (t === undefined) return refuse('ends where a term is expected');
    if (t === 'not' || t === '!') {
      take();
      const inner = term();
      return (p) => !inner(p);
    }
    if (t === '(') {
      take();
      const inner = expr();
      if (take() !== ')') return refuse("a '(' is not closed");
      return inner;
    }
    return primitive();
  };
  const primitive = (): PacketFilter => {
    let proto: string | undefined = peek();
    if (proto === 'ip6' || proto === 'udp') take();
    else proto = undefined;
    let dir: string | undefined = peek();
    if (dir === 'src' || dir === 'dst') take();
    else dir = undefined;
    const kind = peek();
    if (kind === 'port' && proto !== 'ip6') {
      take();
      const v = take();
      const port = v !== undefined && /^[0-9]{1,5}$/.test(v) ? Number(v) : NaN;
      if (!(port >= 0 && port <= 65535)) return refuse(`'${v ?? ''}' is not a port`);
      return (p) => {
        const u = udpAt(p);
        if (u < 0) return false;
        const src = (p[u]! << 8) | p[u + 1]!;
        const dst = (p[u + 2]! << 8) | p[u + 3]!;
        return dir === 'src' ? src === port : dir === 'dst' ? dst === port : src === port || dst === port;
      };
    }
    if (kind === 'host' && proto !== 'udp') {
      take();
      const v = take() ?? '';
      let address: string;
      try {
        address = canonicalIpv6(v);
      } catch {
        return refuse(`'${v}' is not an IPv6 address`);
      }
      return (p) => {
        if (p.length < IPV6_HEADER_LEN) return false;
        const src = ipv6Text(p, 8) === address;
        const dst = ipv6Text(p, 24) === address;
        return dir === 'src' ? src : dir === 'dst' ? dst : src || dst;
      };
    }
    if (dir !== undefined) return refuse(`'${dir}' must be followed by port or host`);
    if (proto === 'ip6') return (p) => p.length >= IPV6_HEADER_LEN && p[0]! >> 4 === 6;
    if (proto === 'udp') return (p) => udpAt(p) >= 0;
    return refuse(`'${tokens[at] ?? ''}' is not supported`);
  };

  const f = expr();
  if (at < tokens.length) refuse(`'${tokens[at]}' is not supported here`);
  return f;
}

/** Offset of the UDP header, or -1 when the packet carries none (whole) at the front. */
function udpAt(p: Uint8Array): number {
  if (p.length < IPV6_HEADER_LEN + UDP_HEADER_LEN || p[0]! >> 4 !== 6) return -1;
  // Hop-by-hop and destination options before UDP are skipped, as the decoder does.
  const { protocol, at, fault } = skipOptionHeaders(p, p[6]!, IPV6_HEADER_LEN, p.length);
  return !fault && protocol === NEXT_HEADER_UDP && at + UDP_HEADER_LEN <= p.length ? at : -1;
}
