// One log line per ownership decision, with the field vocabulary of core/log.ts, so a
// failover can be reconstructed from any one node's log: who owned the IP, who owns it
// now, why (which peer, through which layer, after how many ms), and — in the responder's
// `garpSent` line that follows — when the burst went out.
import { LogFields, type Logger } from '@ironlb/core';
import type { OwnerChange, Suppression } from './ownership.js';

const EVENT: Record<OwnerChange['kind'], string> = { elected: 'ownerElected', lost: 'ownerLost', moved: 'ownerChanged', none: 'ownerKnown' };

export function logOwnerChange(log: Logger, self: string, c: OwnerChange, suppress: Suppression | undefined, now: number): void {
  const fields = {
    [LogFields.event]: EVENT[c.kind],
    [LogFields.service]: c.service,
    [LogFields.ip]: c.ips,
    [LogFields.owner]: c.owner ?? null,
    [LogFields.previousOwner]: c.previousOwner ?? null,
    [LogFields.candidates]: c.candidates,
    [LogFields.reason]: c.cause.reason,
    ...(c.cause.peer ? { peer: c.cause.peer } : {}),
    ...(c.cause.via ? { via: c.cause.via } : {}),
    ...(c.cause.detectMs !== undefined ? { detectMs: c.cause.detectMs } : {}),
    msSinceCause: Math.round(now - c.cause.at),
    ...(c.noOwner ? { noOwner: c.noOwner } : {}),
    ...(suppress ? { suppressed: suppress } : {}),
    ...(c.kind === 'elected' ? { [LogFields.iface]: c.interfaces } : {}),
  };
  const why = c.cause.peer ? `${c.cause.reason} ${c.cause.peer}${c.cause.via ? ` via ${c.cause.via}` : ''}` : c.cause.reason;
  const ips = c.ips.join(', ');
  switch (c.kind) {
    case 'elected':
      log.info(fields, suppress ? `would own ${ips} of ${c.service} but does not announce (${suppress})` : `${self} now owns ${ips} of ${c.service} (was ${c.previousOwner ?? 'nobody'}; ${why})`);
      return;
    case 'lost':
      if (c.owner === self && suppress) {
        log.warn(fields, `${self} stops announcing ${ips} of ${c.service} although elected (${suppress})`);
        return;
      }
      log.info(fields, `${self} no longer owns ${ips || 'the IPs'} of ${c.service}; owner now ${c.owner ?? 'nobody'} (${why})`);
      return;
    case 'moved':
      log.info(fields, `${c.service} owner ${c.previousOwner ?? 'nobody'} → ${c.owner ?? 'nobody'} (${why})`);
      return;
    case 'none':
      log.debug(fields, `${c.service} is owned by ${c.owner ?? 'nobody'}`);
      return;
  }
}
