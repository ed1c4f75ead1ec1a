/**
 * Load balancer → reply to VIP (csmp-protocol.md 9): answers to the requests one server sent
 * arrive at another NMS address (the VIP).
 */
import type { Looked } from '../facts.js';
import { conclude, type Diagnosis } from '../result.js';

export function loadBalancer(f: Looked<'nms'>): Diagnosis | undefined {
  const { addresses, misroutedAnswers } = f.given;
  const misrouted = misroutedAnswers.filter((m) => m.count > 0);
  if (!addresses.some((a) => a.name === 'vip') || misrouted.length === 0) return undefined;
  return conclude(
    f,
    'load-balancer',
    `Answers to the NMS's requests arrive at ${misrouted.map((m) => m.arrivedAt).join(', ')} instead of the server that sent them (${misrouted.map((m) => m.sentFrom).join(', ')}): the device sends NON answers, reports and notifications to its configured NMS address (the VIP), so a load balancer must route them back to the server that asked.`,
    'Check source/destination addresses and ports between meters and FND; make the load balancer keep CSMP flows on one server (or answer from the VIP), compare per-server CSMP processing counts, and add the routing the VIP replies need.',
    misrouted.map((m) => ({ what: 'answers arriving at another address than the request left from', seen: `${m.count} sent from ${m.sentFrom}, arrived at ${m.arrivedAt}` })),
  );
}
