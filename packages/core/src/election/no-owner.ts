// Why nobody announces a Service's IPs, as one sentence for a Warning Event, and which
// single speaker reports it (so N speakers do not post N copies): the first live node in
// the IP's election order, ignoring the per-node checks.
import { electionOrder } from './order.js';
import type { ServiceDecision } from './types.js';

export function noOwnerMessage(d: ServiceDecision): string | undefined {
  const ips = d.ips.join(', ');
  switch (d.noOwner) {
    case undefined:
    case 'no-ips':
      return undefined;
    case 'unknown-pool':
      return `no node announces ${ips}: no IPAddressPool holds ${d.ips.length > 1 ? 'them' : 'it'}`;
    case 'no-advertisement':
      return `no node announces ${ips}: no L2Advertisement selects pool "${d.pool ?? '?'}" for this Service`;
    case 'no-local-endpoints':
      return `no node announces ${ips}: externalTrafficPolicy is Local and no node has a ready, serving endpoint`;
    case 'no-candidates': {
      const why = new Map<string, string[]>();
      for (const e of d.excluded) why.set(e.reason, [...(why.get(e.reason) ?? []), e.node]);
      const parts = [...why].map(([reason, nodes]) => `${reason}: ${nodes.join(', ')}`);
      return `no node announces ${ips}: every node is excluded (${parts.join('; ') || 'no nodes'})`;
    }
  }
}

/** True when `self` is the speaker that reports `d` having no owner. */
export function reportsNoOwner(self: string, live: ReadonlySet<string>, d: ServiceDecision): boolean {
  const ip = d.ips[0];
  return ip !== undefined && electionOrder([...live], ip)[0] === self;
}
