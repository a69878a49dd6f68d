// One logger factory and ONE vocabulary of fields for every component, so a failover
// can be followed across controller and speaker logs with the same jq filters.
import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';

/** Field names every log line uses; never invent a synonym elsewhere. */
export const LogFields = {
  component: 'component',
  subsystem: 'subsystem', // a part of a component (the speaker's announcer), never a second "component"

  service: 'service', // "namespace/name"
  ip: 'ip',
  pool: 'pool',
  node: 'node',
  owner: 'owner',
  previousOwner: 'previousOwner',
  candidates: 'candidates',
  iface: 'iface',
  mac: 'mac',
  reason: 'reason',
  event: 'event', // ipAllocated, ownerElected, ownerLost, garpSent, arpDropped, ...
  err: 'err',
} as const;

export type { Logger };

export interface LoggerOptions {
  component: string;
  level?: LevelWithSilent;
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { [LogFields.component]: opts.component },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}
