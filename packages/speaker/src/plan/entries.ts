// From what this node owns to the responder's entries: one (ip, interface) per interface
// the owning advertisements allow, on the interfaces that exist and are eligible here.
import type { DesiredEntry } from '../announce/types.js';
import type { OwnershipState } from './ownership.js';

export interface InterfaceProblem {
  readonly ip: string;
  readonly services: readonly string[];
  /** Interfaces the advertisements name that this node does not have (or may not use). */
  readonly missing: readonly string[];
}

export interface EntriesPlan {
  readonly entries: DesiredEntry[];
  /** IP → interfaces it is announced on (for ServiceL2Status.status.interfaces). */
  readonly interfacesByIp: ReadonlyMap<string, readonly string[]>;
  readonly problems: readonly InterfaceProblem[];
}

/**
 * `eligible`: interfaces the node may announce on (MetalLB's rules, interfaces/select.ts),
 * sorted. 'all' means every eligible one; a named interface must be eligible, else it is
 * reported (the Service gets an `announceFailed` Warning) and left out.
 */
export function planEntries(state: OwnershipState, eligible: readonly string[]): EntriesPlan {
  const entries: DesiredEntry[] = [];
  const interfacesByIp = new Map<string, readonly string[]>();
  const problems: InterfaceProblem[] = [];
  const ok = new Set(eligible);
  for (const o of [...state.owned.values()].sort((a, b) => (a.ip < b.ip ? -1 : 1))) {
    const wanted = o.interfaces === 'all' ? eligible : o.interfaces;
    const use = wanted.filter((i) => ok.has(i));
    const missing = o.interfaces === 'all' ? [] : o.interfaces.filter((i) => !ok.has(i));
    if (missing.length > 0 || use.length === 0) problems.push({ ip: o.ip, services: o.services, missing: missing.length > 0 ? missing : ['(no eligible interface)'] });
    interfacesByIp.set(o.ip, use);
    for (const iface of use) {
      entries.push({
        ip: o.ip,
        iface,
        claim: o.firstClaim ? 'first' : 'failover',
        ...(o.role === 'handoff' ? { quiet: true } : {}),
      } as DesiredEntry);
    }
  }
  return { entries, interfacesByIp, problems };
}
