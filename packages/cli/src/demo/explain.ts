// The speaker log lines that explain a failover, picked from every surviving speaker's
// log (pino JSON lines with the field vocabulary of core/log.ts) and shown as one line
// each: time, node, event, message and the fields that say why. Pure.

export type LogLine = Readonly<Record<string, unknown>>;

export interface NodeLog {
  readonly node: string;
  readonly lines: readonly LogLine[];
}

export interface FailoverFacts {
  /** Service key, namespace/name. */
  readonly service: string;
  readonly vip: string;
  readonly oldOwner: string;
  readonly newOwner: string;
  /** Wall-clock ms of the crash: earlier lines are not part of the story. */
  readonly crashMs: number;
}

/** Fields worth showing after the message, in this order, when present. */
const WHY_FIELDS = ['owner', 'previousOwner', 'reason', 'peer', 'via', 'detectMs', 'msSinceCause', 'detectors', 'cause', 'purpose', 'claim', 'probed', 'iface'] as const;

export function timeOf(l: LogLine): number {
  const t = l.time;
  return typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : NaN;
}

/** `HH:MM:SS.mmm` (UTC, as pino's time is shown here) of wall-clock ms. */
export const clock = (ms: number) => (Number.isNaN(ms) ? '--:--:--.---' : new Date(ms).toISOString().slice(11, 23));

function value(v: unknown): string {
  return Array.isArray(v) ? v.join(',') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/** `HH:MM:SS.mmm node event  message  key=value …` */
export function formatLogLine(node: string, l: LogLine): string {
  const fields = WHY_FIELDS.filter((k) => l[k] !== undefined && l[k] !== null).map((k) => `${k}=${value(l[k])}`);
  return `${clock(timeOf(l))} ${node} ${String(l.event ?? '')}: ${String(l.msg ?? '')}${fields.length ? `  [${fields.join(' ')}]` : ''}`;
}

/** Does this line tell part of the failover of `f`? */
export function isFailoverLine(node: string, l: LogLine, f: FailoverFacts): boolean {
  if (!(timeOf(l) >= f.crashMs)) return false;
  switch (l.event) {
    case 'peerSuspected':
    case 'peerDead':
      return l.peer === f.oldOwner;
    case 'ownerElected':
      return node === f.newOwner && l.service === f.service;
    case 'ownerChanged':
      return l.service === f.service && l.owner === f.newOwner;
    case 'garpSent':
      return node === f.newOwner && l.ip === f.vip;
    default:
      return false;
  }
}

/** The explaining lines of every node, in time order. */
export function explainFailover(logs: readonly NodeLog[], f: FailoverFacts): string[] {
  const picked = logs.flatMap((nl) => nl.lines.filter((l) => isFailoverLine(nl.node, l, f)).map((l) => ({ node: nl.node, l })));
  picked.sort((a, b) => timeOf(a.l) - timeOf(b.l));
  return picked.map((p) => formatLogLine(p.node, p.l));
}

/** The owner's lines saying it took the Service's IP (its first ownerElected) and started answering for it (first announcing). */
export function announcementLines(log: NodeLog, service: string, vip: string): string[] {
  const elected = log.lines.find((x) => x.event === 'ownerElected' && x.service === service && x.owner === log.node);
  const announcing = log.lines.find((x) => x.event === 'announcing' && x.ip === vip);
  return [elected, announcing].flatMap((l) => (l ? [formatLogLine(log.node, l)] : []));
}

/** Parses pino JSON lines, skipping anything else. */
export function parseLogLines(text: string): LogLine[] {
  return text.split('\n').flatMap((s) => {
    if (!s.startsWith('{')) return [];
    try {
      return [JSON.parse(s) as LogLine];
    } catch {
      return [];
    }
  });
}
