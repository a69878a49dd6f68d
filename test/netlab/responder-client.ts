// The test side of responder-agent.ts: starts an agent inside a network namespace and
// drives it over JSON lines. Node cannot enter a namespace and AF_PACKET sockets bind to
// interfaces of the namespace they are opened in, so every responder (and every raw-frame
// prober) that must live in a node or client namespace runs as one of these processes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AnnouncerConfigInput, CounterSnapshot, DesiredEntry, EntryStatus, ResponderEvent } from '@ironlb/speaker';
import { repoRoot } from '../cluster/cluster.js';

export interface AgentConfig {
  /** Announcer timings; tests shorten them. */
  readonly announcer?: AnnouncerConfigInput;
  /** Periodic interface rescan; 0 turns it off (the 'rescan' command still works). */
  readonly rescanIntervalMs?: number;
  readonly socketRetryMs?: number;
  /** Event kinds to forward (default all); a load test leaves out the per-frame ones. */
  readonly eventKinds?: readonly string[];
}

/** A responder event as the agent reports it: errors flattened, stamped with CLOCK_MONOTONIC. */
export type AgentEvent = ResponderEvent & {
  /** process.hrtime.bigint() in the agent, in ns: the same clock in every namespace of this machine. */
  readonly hr: bigint;
};

/** An ARP or NDP frame an agent received on a captured interface. */
export interface CapturedFrame {
  readonly iface: string;
  readonly src: string;
  readonly dst: string;
  readonly family: 4 | 6;
  /** ARP */
  readonly op?: number;
  readonly senderMac?: string;
  readonly senderIp?: string;
  readonly targetMac?: string;
  readonly targetIp?: string;
  /** NDP */
  readonly type?: 'ns' | 'na';
  readonly target?: string;
  readonly targetLinkLayer?: string;
  readonly override?: boolean;
  readonly solicited?: boolean;
  readonly hr: bigint;
}

export interface ProbeReply {
  readonly mac: string;
  readonly rttUs: number;
}

export interface ProbeOptions {
  readonly iface: string;
  /** Who we are: the ARP sender IP, or the IPv6 source of the NS. */
  readonly senderIp: string;
  readonly target: string;
  /** Send to this MAC instead of broadcast / the solicited-node group. */
  readonly unicastTo?: string;
  readonly count?: number;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

export interface LoadResult {
  readonly sent: number;
  readonly replies: number;
  readonly elapsedMs: number;
}

export interface ResponderAgent {
  readonly netns: string;
  /** The agent's own pid (a node process), e.g. for /proc/<pid>/stat. */
  readonly pid: number;
  /** Every event received so far, oldest first. */
  readonly events: readonly AgentEvent[];
  /** Frames received on captured interfaces, oldest first. */
  readonly frames: readonly CapturedFrame[];
  /** Replaces the responder's entries; resolves with the agent's hrtime (ns) just before it did. */
  set(entries: readonly DesiredEntry[]): Promise<bigint>;
  knownMacs(macs: readonly string[]): Promise<void>;
  counters(): Promise<CounterSnapshot>;
  status(): Promise<EntryStatus[]>;
  rescan(): Promise<void>;
  /** Forward only these event kinds from now on (undefined: all). */
  eventKinds(kinds: readonly string[] | undefined): Promise<void>;
  /** Resolves with the first event at index ≥ `from` matching `pred`. */
  waitForEvent(pred: (e: AgentEvent) => boolean, timeoutMs: number, from?: number): Promise<AgentEvent>;
  /** Reports every ARP (family 4) or NS/NA (6) frame `iface` receives from now on in `frames`. */
  capture(iface: string, family: 4 | 6): Promise<void>;
  waitForFrame(pred: (f: CapturedFrame) => boolean, timeoutMs: number, from?: number): Promise<CapturedFrame>;
  /** Sends one raw Ethernet frame out of `iface` (ARP or IPv6 by its ethertype). */
  sendFrame(iface: string, frame: Uint8Array): Promise<void>;
  /** Sequential ARP requests (family 4) or neighbor solicitations (6); null where none answered in time. */
  probe(family: 4 | 6, options: ProbeOptions): Promise<(ProbeReply | null)[]>;
  /** ARP requests at `rate` per second for `durationMs`, round-robin over `targets`. */
  load(options: { iface: string; senderIp: string; targets: readonly string[]; rate: number; durationMs: number }): Promise<LoadResult>;
  /** Polls the namespace's IPv4 neighbor table until `ip` has `mac`; the hrtime (ns) it first did. */
  watchNeighbor(ip: string, mac: string, timeoutMs: number): Promise<bigint>;
  /** Closes the responder and ends the process (SIGKILL if it does not within 3 s). Idempotent. */
  stop(): Promise<void>;
}

const AGENT = join(repoRoot, 'test/netlab/responder-agent.ts');
const live = new Set<ChildProcessWithoutNullStreams>();

// Last resort if a test process exits without stopping its agents: they also exit on
// stdin EOF, and deleting the namespace kills whatever is left inside it.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

interface Pending {
  resolve(v: Record<string, unknown>): void;
  reject(e: Error): void;
}

export async function startResponderAgent(netns: string, config: AgentConfig = {}): Promise<ResponderAgent> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '--import', 'tsx', '--conditions=ironlb-source', AGENT, JSON.stringify(config)], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const events: AgentEvent[] = [];
  const frames: CapturedFrame[] = [];
  const waiters = new Set<() => void>();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      live.delete(child);
      const err = new Error(`responder agent in ${netns} exited (${signal ?? code}): ${stderr.trim()}`);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      for (const w of waiters) w();
      resolve();
    });
  });
  let hello: (pid: number) => void = () => {};
  const helloed = new Promise<number>((resolve) => (hello = resolve));

  createInterface({ input: child.stdout }).on('line', (line) => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      stderr = (stderr + `\nunparsable agent line: ${line}`).slice(-4000);
      return;
    }
    if (msg['hello']) hello((msg['hello'] as { pid: number }).pid);
    else if (msg['event']) {
      const e = msg['event'] as Record<string, unknown>;
      events.push({ ...e, hr: BigInt(e['hr'] as string) } as AgentEvent);
      for (const w of waiters) w();
    } else if (msg['frame']) {
      const f = msg['frame'] as Record<string, unknown>;
      frames.push({ ...f, hr: BigInt(f['hr'] as string) } as CapturedFrame);
      for (const w of waiters) w();
    } else if (typeof msg['reply'] === 'number') {
      const p = pending.get(msg['reply']);
      pending.delete(msg['reply']);
      if (msg['ok']) p?.resolve(msg);
      else p?.reject(new Error(`agent in ${netns}: ${String(msg['error'])}`));
    }
  });

  const call = (cmd: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
    if (exited) return Promise.reject(new Error(`responder agent in ${netns} is not running: ${stderr.trim()}`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.stdin.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  };

  const pid = await Promise.race([
    helloed,
    exit.then(() => Promise.reject(new Error(`responder agent in ${netns} exited before starting: ${stderr.trim()}`))),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`responder agent in ${netns} did not start in 30 s: ${stderr.trim()}`)), 30_000).unref()),
  ]).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });

  /** Resolves with the first item at index ≥ `from` of the growing `list` that matches. */
  function waitIn<T>(list: T[], pred: (x: T) => boolean, timeoutMs: number, from: number, what: string, show: (x: T) => string): Promise<T> {
    return new Promise((resolve, reject) => {
      let i = from;
      const check = () => {
        for (; i < list.length; i++) {
          if (pred(list[i]!)) {
            done();
            resolve(list[i]!);
            return;
          }
        }
        if (exited) {
          done();
          reject(new Error(`responder agent in ${netns} exited while waiting for a ${what}: ${stderr.trim()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        const seen = list.slice(from).map(show).join('; ');
        reject(new Error(`no matching ${what} from the agent in ${netns} within ${timeoutMs} ms; saw: ${seen || 'nothing'}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    netns,
    pid,
    events,
    frames,
    async set(entries) {
      return BigInt((await call('set', { entries }))['hr'] as string);
    },
    async knownMacs(macs) {
      await call('knownMacs', { macs });
    },
    async counters() {
      return (await call('counters'))['counters'] as CounterSnapshot;
    },
    async status() {
      return (await call('status'))['status'] as EntryStatus[];
    },
    async rescan() {
      await call('rescan');
    },
    async eventKinds(kinds) {
      await call('events', { kinds: kinds ?? null });
    },
    waitForEvent(pred, timeoutMs, from = 0) {
      return waitIn(events, pred, timeoutMs, from, 'event', (e) => e.kind);
    },
    async capture(iface, family) {
      await call('capture', { iface, family });
    },
    waitForFrame(pred, timeoutMs, from = 0) {
      return waitIn(frames, pred, timeoutMs, from, 'frame', (f) => (f.family === 4 ? `arp op${f.op} ${f.senderIp} ${f.senderMac}` : `${f.type} ${f.target} ${f.src}`));
    },
    async sendFrame(iface, frame) {
      await call('send', { iface, frame: Buffer.from(frame).toString('hex') });
    },
    async probe(family, options) {
      return (await call('probe', { family, ...options }))['results'] as (ProbeReply | null)[];
    },
    async load(options) {
      return (await call('load', { ...options }))['result'] as LoadResult;
    },
    async watchNeighbor(ip, mac, timeoutMs) {
      return BigInt((await call('watchNeighbor', { ip, mac, timeoutMs }))['hr'] as string);
    },
    stop() {
      stopping ??= (async () => {
        if (exited) return;
        const killer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        void call('close').catch(() => undefined);
        child.stdin.end(); // the agent also closes on EOF
        await exit;
        clearTimeout(killer);
      })();
      return stopping;
    },
  };
}
