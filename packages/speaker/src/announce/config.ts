import { ErrorCodes, IronlbError } from '@ironlb/core';

// Timings of the announcer, with the reasoning behind each default (packet-layer.md,
// "Timings from the references" and "Client-side behaviour tests must respect").

export interface ProbeConfig {
  /** Upper bound of the random delay before the first probe (RFC 5227 PROBE_WAIT). */
  readonly waitMs: number;
  /** Probes sent (RFC 5227 PROBE_NUM); 0 disables probing even for first claims. */
  readonly count: number;
  /** Random spacing between probes (RFC 5227 PROBE_MIN … PROBE_MAX). */
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  /** Quiet time after the last probe before the address counts as free (RFC 5227 ANNOUNCE_WAIT). */
  readonly announceWaitMs: number;
}

export interface AnnouncerConfig {
  /**
   * Announcement rounds on takeover, the first sent immediately. Each IPv4 round is the
   * request form AND the reply form; each IPv6 round one unsolicited NA with Override.
   *
   * 5 rounds 1.1 s apart (t = 0, 1.1, 2.2, 3.3, 4.4 s), as MetalLB does:
   * - Both forms count as gratuitous on Linux (sender IP = target IP; the reply form also
   *   has target MAC = sender MAC, RFC 5944 §4.6), so the first round already replaces an
   *   existing entry even inside the 1 s `locktime`; sending both forms covers stacks that
   *   learn from only one opcode.
   * - An ordinary (non-gratuitous) update, e.g. a late reply from the old owner, sticks
   *   for `locktime` and makes Linux ignore other ordinary updates meanwhile; repeats 1.1 s
   *   apart land just after such a window, and give hosts that dropped a frame another
   *   chance. (keepalived's 5-at-once all fall into one window.)
   * - Covering ~5 s spans DELAY_FIRST_PROBE_TIME (5 s): a client that saw the old MAC go
   *   quiet and moved to DELAY/PROBE is corrected before it gives up on the entry.
   */
  readonly burstCount: number;
  readonly burstIntervalMs: number;
  /**
   * One announcement round per owned IP every this often after the burst, to repair caches
   * left stale by a partition or a split view (architecture.md). 60 s: about two of a
   * client's REACHABLE_TIME periods (15–45 s), bounded cost (two broadcasts per IPv4 VIP per
   * minute on the segment). 0 disables.
   */
  readonly reannounceIntervalMs: number;
  /** RFC 5227 probing for first claims; IPv6 DAD (RFC 4862) uses the same counts. */
  readonly probe: ProbeConfig;
  /** After a probe found a foreign user, try again this much later (RFC 5227 RATE_LIMIT_INTERVAL, 60 s). */
  readonly probeRetryMs: number;
  /**
   * At most one defensive announcement per IP per this interval when another MAC claims an
   * owned IP (RFC 5227 §2.4 DEFEND_INTERVAL, 10 s), so we never fight a foreign host in a loop.
   */
  readonly defendIntervalMs: number;
  /** At most one conflict event per (IP, interface, MAC) per this interval; the rest are counted. */
  readonly conflictReportIntervalMs: number;
}

export const DEFAULT_ANNOUNCER_CONFIG: AnnouncerConfig = {
  burstCount: 5,
  burstIntervalMs: 1100,
  reannounceIntervalMs: 60_000,
  probe: { waitMs: 1000, count: 3, minIntervalMs: 1000, maxIntervalMs: 2000, announceWaitMs: 2000 },
  probeRetryMs: 60_000,
  defendIntervalMs: 10_000,
  conflictReportIntervalMs: 10_000,
};

export type AnnouncerConfigInput = Partial<Omit<AnnouncerConfig, 'probe'>> & { readonly probe?: Partial<ProbeConfig> };

export function resolveAnnouncerConfig(input: AnnouncerConfigInput = {}): AnnouncerConfig {
  const c: AnnouncerConfig = { ...DEFAULT_ANNOUNCER_CONFIG, ...input, probe: { ...DEFAULT_ANNOUNCER_CONFIG.probe, ...input.probe } };
  // Zero intervals would make the machine announce in a tight loop.
  const problems = [
    c.burstCount < 1 && 'burstCount must be at least 1',
    c.burstIntervalMs <= 0 && 'burstIntervalMs must be positive',
    c.reannounceIntervalMs < 0 && 'reannounceIntervalMs must be 0 (off) or positive',
    c.probe.count < 0 && 'probe.count must not be negative',
    c.probe.waitMs < 0 && 'probe.waitMs must not be negative',
    c.probe.minIntervalMs <= 0 && 'probe.minIntervalMs must be positive',
    c.probe.maxIntervalMs < c.probe.minIntervalMs && 'probe.maxIntervalMs must be at least probe.minIntervalMs',
    c.probe.announceWaitMs <= 0 && 'probe.announceWaitMs must be positive',
    c.probeRetryMs <= 0 && 'probeRetryMs must be positive',
    c.defendIntervalMs < 0 && 'defendIntervalMs must not be negative',
    c.conflictReportIntervalMs < 0 && 'conflictReportIntervalMs must not be negative',
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) throw new IronlbError(ErrorCodes.Config, `invalid announcer config: ${problems.join('; ')}`);
  return c;
}
