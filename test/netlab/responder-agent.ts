// One speaker responder, plus a raw-frame prober, inside the network namespace this process
// was started in (`ip netns exec <netns> node --import tsx … responder-agent.ts '<config>'`;
// responder-client.ts does that). Node cannot enter a namespace, and AF_PACKET sockets bind
// to interfaces of the namespace they are opened in, hence a process per namespace.
//
// Protocol, one JSON object per line. stdin: {"id": n, "cmd": …, …}; stdout: {"hello":
// {"pid"}} once, {"reply": id, "ok": true|false, …} per command, and {"event": {…}} for
// every responder event (filtered by the 'events' command), stamped with `hr`
// (process.hrtime.bigint(), CLOCK_MONOTONIC, comparable between namespaces). The agent
// closes its responder and exits on 'close', on stdin EOF and on SIGTERM/SIGINT. After a
// 'capture' command, every ARP / NDP frame received on that interface is reported as a
// {"frame": {…}} line.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { systemClock } from '@ironlb/core';
import {
  arpFilter,
  buildArpRequest,
  buildNeighborSolicitation,
  createResponder,
  decodeFrame,
  ndpFilter,
  openPacketSocket,
  type DesiredEntry,
  type PacketSocket,
  type ResponderEvent,
} from '@ironlb/speaker';
import type { AgentConfig } from './responder-client.js';

const config = JSON.parse(process.argv[2] ?? '{}') as AgentConfig;
const hr = () => process.hrtime.bigint();

function write(msg: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(msg, jsonSafe)}\n`);
}

// Errors carry their errno; bigints (timestamps) travel as strings.
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) {
    const e = value as Error & { errno?: unknown; code?: unknown };
    return { name: e.name, message: e.message, errno: e.errno, code: e.code };
  }
  return value;
}

let forward: Set<string> | undefined = config.eventKinds ? new Set(config.eventKinds) : undefined;
const responder = createResponder({
  clock: systemClock,
  openSocket: openPacketSocket,
  onEvent: (event: ResponderEvent) => {
    if (!forward || forward.has(event.kind)) write({ event: { ...event, hr: hr() } });
  },
  ...(config.announcer ? { config: config.announcer } : {}),
  ...(config.rescanIntervalMs !== undefined ? { rescanIntervalMs: config.rescanIntervalMs } : {}),
  ...(config.socketRetryMs !== undefined ? { socketRetryMs: config.socketRetryMs } : {}),
});

/** Raw sockets of the prober side, one per (interface, family), opened on first use. */
class Prober {
  readonly #sockets = new Map<string, PacketSocket>();
  /** `${family} ${ip}` → who waits for the answer about that address. */
  readonly #waiters = new Map<string, (mac: string, at: bigint) => void>();
  #loadTargets: Set<string> | undefined;
  #loadReplies = 0;
  /** Sockets whose every received frame is reported as a {"frame"} line. */
  readonly #capturing = new Set<string>();

  socket(iface: string, family: 4 | 6): PacketSocket {
    const key = `${iface}/${family}`;
    let s = this.#sockets.get(key);
    if (!s) {
      s = openPacketSocket({
        iface,
        protocol: family === 4 ? 0x0806 : 0x86dd,
        filter: family === 4 ? arpFilter() : ndpFilter(),
        onFrame: (frame) => this.#onFrame(key, iface, s!.mac, frame),
      });
      this.#sockets.set(key, s);
    }
    return s;
  }

  capture(iface: string, family: 4 | 6): void {
    this.socket(iface, family);
    this.#capturing.add(`${iface}/${family}`);
  }

  #onFrame(key: string, iface: string, ourMac: string, bytes: Uint8Array): void {
    const at = hr();
    const d = decodeFrame(bytes);
    if (!d.ok) return;
    const f = d.frame;
    if (this.#capturing.has(key)) {
      const { eth } = f;
      const summary =
        f.kind === 'arp'
          ? { family: 4, op: f.arp.op, senderMac: f.arp.senderMac, senderIp: f.arp.senderIp, targetMac: f.arp.targetMac, targetIp: f.arp.targetIp }
          : { family: 6, type: f.message.type, target: f.message.target, ...(f.message.type === 'na' ? { targetLinkLayer: f.message.targetLinkLayer, override: f.message.override, solicited: f.message.solicited } : {}) };
      write({ frame: { iface, src: eth.src, dst: eth.dst, ...summary, hr: at } });
    }
    if (f.eth.dst !== ourMac) return;
    let answers: string | undefined;
    let mac: string | undefined;
    if (f.kind === 'arp' && f.arp.op === 2) {
      answers = `4 ${f.arp.senderIp}`;
      mac = f.arp.senderMac;
      if (this.#loadTargets?.has(f.arp.senderIp)) this.#loadReplies++;
    } else if (f.kind === 'ndp' && f.message.type === 'na' && f.message.solicited) {
      answers = `6 ${f.message.target}`;
      mac = f.message.targetLinkLayer ?? f.eth.src;
    }
    const waiter = answers === undefined ? undefined : this.#waiters.get(answers);
    if (waiter && mac) {
      this.#waiters.delete(answers!);
      waiter(mac, at);
    }
  }

  /** One request at a time: send, wait for its answer or the timeout, pause, repeat. */
  async probe(o: { family: 4 | 6; iface: string; senderIp: string; target: string; unicastTo?: string; count?: number; intervalMs?: number; timeoutMs?: number }) {
    const s = this.socket(o.iface, o.family);
    const frame =
      o.family === 4
        ? buildArpRequest({ mac: s.mac, senderIp: o.senderIp, targetIp: o.target, ...(o.unicastTo ? { unicastTo: o.unicastTo } : {}) })
        : buildNeighborSolicitation({ mac: s.mac, src: o.senderIp, target: o.target, ...(o.unicastTo ? { unicastTo: o.unicastTo } : {}) });
    const key = `${o.family} ${o.target}`;
    const results: ({ mac: string; rttUs: number } | null)[] = [];
    for (let i = 0; i < (o.count ?? 1); i++) {
      const answer = new Promise<{ mac: string; at: bigint } | null>((resolve) => {
        const timer = setTimeout(() => {
          this.#waiters.delete(key);
          resolve(null);
        }, o.timeoutMs ?? 1000);
        this.#waiters.set(key, (mac, at) => {
          clearTimeout(timer);
          resolve({ mac, at });
        });
      });
      const sentAt = hr();
      s.send(frame);
      const a = await answer;
      results.push(a && { mac: a.mac, rttUs: Number(a.at - sentAt) / 1000 });
      if (o.intervalMs) await new Promise((r) => setTimeout(r, o.intervalMs));
    }
    return results;
  }

  /** ARP requests at a steady rate, catching up after late timer ticks; counts answers. */
  async load(o: { iface: string; senderIp: string; targets: string[]; rate: number; durationMs: number }) {
    const s = this.socket(o.iface, 4);
    const frames = o.targets.map((t) => buildArpRequest({ mac: s.mac, senderIp: o.senderIp, targetIp: t }));
    this.#loadTargets = new Set(o.targets);
    this.#loadReplies = 0;
    const start = performance.now();
    let sent = 0;
    for (;;) {
      const elapsed = performance.now() - start;
      if (elapsed >= o.durationMs) break;
      const due = Math.floor((elapsed * o.rate) / 1000);
      while (sent < due) s.send(frames[sent++ % frames.length]!);
      await new Promise((r) => setTimeout(r, 1));
    }
    await new Promise((r) => setTimeout(r, 200)); // the last answers
    const result = { sent, replies: this.#loadReplies, elapsedMs: performance.now() - start };
    this.#loadTargets = undefined;
    return result;
  }

  send(iface: string, frame: Uint8Array): void {
    const family = frame[12] === 0x08 && frame[13] === 0x06 ? 4 : frame[12] === 0x86 && frame[13] === 0xdd ? 6 : undefined;
    if (family === undefined) throw new Error('only ARP and IPv6 frames can be sent');
    this.socket(iface, family).send(frame);
  }

  close(): void {
    for (const s of this.#sockets.values()) s.close();
    this.#sockets.clear();
  }
}

/** The hardware address /proc/net/arp (this namespace's IPv4 neighbor table) shows for `ip`. */
function neighborMac(ip: string): string | undefined {
  for (const line of readFileSync('/proc/net/arp', 'utf8').split('\n').slice(1)) {
    const [addr, , flags, mac] = line.trim().split(/\s+/);
    // Flags 0x0 is an incomplete entry; its address column is all zeros.
    if (addr === ip && flags !== '0x0') return mac;
  }
  return undefined;
}

/** Polls without sleeping (a yield to the event loop between reads) for sub-millisecond resolution. */
async function watchNeighbor(ip: string, mac: string, timeoutMs: number): Promise<bigint> {
  const deadline = hr() + BigInt(timeoutMs) * 1_000_000n;
  for (;;) {
    if (neighborMac(ip) === mac.toLowerCase()) return hr();
    if (hr() > deadline) throw new Error(`neighbor entry for ${ip} did not become ${mac} within ${timeoutMs} ms (now ${neighborMac(ip) ?? 'none'})`);
    await new Promise((r) => setImmediate(r));
  }
}

const prober = new Prober();
let closed = false;
function shutdown(code = 0): void {
  if (!closed) {
    closed = true;
    responder.close();
    prober.close();
  }
  // Let the addon close its fds off the event loop, then go.
  setTimeout(() => process.exit(code), 50);
}

type Command = { id: number; cmd: string } & Record<string, unknown>;

async function handle(c: Command): Promise<Record<string, unknown>> {
  switch (c.cmd) {
    case 'set': {
      // Takeover rounds go out synchronously inside setEntries: `hr` is just before them.
      const at = hr();
      responder.setEntries(c['entries'] as DesiredEntry[]);
      return { hr: at };
    }
    case 'knownMacs':
      responder.setKnownSpeakerMacs(c['macs'] as string[]);
      return {};
    case 'counters':
      return { counters: responder.counters() };
    case 'status':
      return { status: responder.status() };
    case 'rescan':
      await responder.rescanInterfaces();
      return {};
    case 'events':
      forward = c['kinds'] ? new Set(c['kinds'] as string[]) : undefined;
      return {};
    case 'capture':
      prober.capture(c['iface'] as string, c['family'] as 4 | 6);
      return {};
    case 'send':
      prober.send(c['iface'] as string, Buffer.from(c['frame'] as string, 'hex'));
      return {};
    case 'probe':
      return { results: await prober.probe(c as unknown as Parameters<Prober['probe']>[0]) };
    case 'load':
      return { result: await prober.load(c as unknown as Parameters<Prober['load']>[0]) };
    case 'watchNeighbor':
      return { hr: await watchNeighbor(c['ip'] as string, c['mac'] as string, c['timeoutMs'] as number) };
    case 'close':
      shutdown();
      return {};
    default:
      throw new Error(`unknown command ${JSON.stringify(c.cmd)}`);
  }
}

createInterface({ input: process.stdin })
  .on('line', (line) => {
    let c: Command;
    try {
      c = JSON.parse(line) as Command;
    } catch {
      write({ error: `unparsable command: ${line}` });
      return;
    }
    handle(c).then(
      (data) => write({ reply: c.id, ok: true, ...data }),
      (e: unknown) => write({ reply: c.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
  })
  .on('close', () => shutdown());
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => shutdown());

write({ hello: { pid: process.pid } });
