// Heartbeat membership at scale, in-process on virtual time (architecture.md: "prove it
// with an in-process simulation of 1,000 nodes that prints packets/s per node and
// detection time"). Every node runs the real Membership state machine; packets are real
// encoded, HMAC-signed bytes through a simulated network: 1 % independent loss, 0–20 ms
// one-way delay, timers firing 0–5 ms late, wall clocks ±50 ms apart.
//
// Method: all nodes start within 500 ms; after a 3 s warm-up (every node must be ready)
// and a 2 s quiet window, kill `--kills` random nodes one at a time, `--spacing` ms apart,
// and run one more spacing.
//   detect_ms       kill → the moment EVERY surviving node marks the victim dead
//   packets/s/node  (sent + received) / virtual seconds from the end of the warm-up to the
//                   end, per surviving node — deaths included (each one costs its K
//                   detectors two broadcasts); `_quiet`: the quiet window alone
//   max_1s_window   the busiest 1 s window of each node: detectors broadcast to all peers
//   false deaths    'peer-dead' verdicts about a node that was running
//
// Progress goes to stderr; `--json` prints one JSON line on stdout. Targets: ≤ 200
// packets/s per node (p99), detect p99 ≤ 500 ms, 0 false deaths.
//
// Run: npm run bench:membership -- [--nodes 1000] [--kills 20] [--spacing 1500] [--seed 1] [--json]
import { Sim, seededRandom } from '../packages/speaker/src/membership/test-support/sim.js';
import type { MembershipEvent } from '../packages/speaker/src/membership/types.js';

interface Args {
  nodes: number;
  kills: number;
  spacing: number;
  seed: number;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const o: Args = { nodes: 1000, kills: 20, spacing: 1500, seed: 1, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') o.json = true;
    else if (a === '--nodes' || a === '--kills' || a === '--spacing' || a === '--seed') o[a.slice(2) as 'nodes' | 'kills' | 'spacing' | 'seed'] = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}; usage: [--nodes N] [--kills K] [--spacing MS] [--seed S] [--json]`);
  }
  if (!Number.isInteger(o.nodes) || o.nodes < 4 || o.nodes > 20_000) throw new Error('--nodes must be an integer from 4 to 20000');
  if (!Number.isInteger(o.kills) || o.kills < 1 || o.kills > o.nodes - 3) throw new Error('--kills must be an integer from 1 to nodes - 3');
  if (!Number.isFinite(o.spacing) || o.spacing < 1000) throw new Error('--spacing must be at least 1000 ms');
  return o;
}

const log = (m: string): void => void process.stderr.write(`[bench:membership] ${m}\n`);

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const rand = seededRandom(args.seed ^ 0x5eed);
  const WARMUP = 3000;
  const QUIET = 2000;
  // victim → (observer → virtual ms it marked the victim dead)
  const deadAt = new Map<string, Map<string, number>>();
  const falseDeaths: { observer: string; node: string; at: number }[] = [];
  let suspicions = 0;
  let refutations = 0;
  let sim: Sim | undefined = undefined;
  const onEvent = (observer: string, e: MembershipEvent, at: number): void => {
    if (e.kind === 'suspected' && e.by === observer) suspicions++;
    else if (e.kind === 'refuted') refutations++;
    else if (e.kind === 'peer-dead') {
      if (sim!.node(e.node).status === 'running') falseDeaths.push({ observer, node: e.node, at });
      let m = deadAt.get(e.node);
      if (!m) deadAt.set(e.node, (m = new Map()));
      if (!m.has(observer)) m.set(observer, at);
    }
  };
  sim = new Sim({ nodes: args.nodes, seed: args.seed, loss: 0.01, delayMs: [0, 20], timerLatenessMs: 5, clockSkewMs: 50, leasesUpFront: true, windowMs: 1000, onEvent });
  const s = sim;

  for (const n of s.nodes) s.at(rand() * 500, () => s.start(n.name));
  log(`${args.nodes} nodes starting within 500 ms; warm-up ${WARMUP} ms`);
  s.runUntil(WARMUP);
  const notReady = s.nodes.filter((n) => !n.membership?.ready(s.now)).length;
  if (notReady > 0) throw new Error(`${notReady} nodes not ready after warm-up`);
  log(`warm-up done (real ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  const base = new Map(s.nodes.map((n) => [n.name, n.sent + n.received]));
  const baseByType = new Map(s.sentByType);

  s.runUntil(WARMUP + QUIET);
  const quiet = new Map(s.nodes.map((n) => [n.name, n.sent + n.received - base.get(n.name)!]));
  const killedAt = new Map<string, number>();
  for (let i = 0; i < args.kills; i++) {
    s.runUntil(WARMUP + QUIET + i * args.spacing);
    const candidates = [...s.running()];
    const victim = candidates[Math.floor(rand() * candidates.length)]!;
    s.crash(victim);
    killedAt.set(victim, s.now);
    if ((i + 1) % 5 === 0) log(`killed ${i + 1}/${args.kills} (virtual ${(s.now / 1000).toFixed(1)} s, real ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const end = WARMUP + QUIET + args.kills * args.spacing;
  s.runUntil(end);

  const survivors = [...s.running()];
  const durationS = (end - WARMUP) / 1000;
  const detect: number[] = [];
  const detectFirst: number[] = [];
  let undetected = 0;
  for (const [victim, t] of killedAt) {
    const marks = deadAt.get(victim) ?? new Map<string, number>();
    const times = survivors.map((o) => marks.get(o));
    if (times.some((x) => x === undefined || x < t)) undetected++;
    else detect.push(Math.max(...(times as number[])) - t);
    const first = [...marks.values()].filter((x) => x >= t);
    if (first.length > 0) detectFirst.push(Math.min(...first) - t);
  }
  const rates = survivors.map((n) => (s.node(n).sent + s.node(n).received - base.get(n)!) / durationS);
  const quietRates = survivors.map((n) => quiet.get(n)! / (QUIET / 1000));
  const firstWindow = Math.floor(WARMUP / 1000);
  const lastWindow = Math.floor(end / 1000) - 1;
  const maxWindows = survivors.map((n) => {
    let max = 0;
    for (const [w, c] of s.node(n).windows) if (w >= firstWindow && w <= lastWindow && c > max) max = c;
    return max;
  });
  const typeRate = (t: 'heartbeat' | 'suspect' | 'state' | 'alive') => (s.sentByType.get(t) ?? 0) - (baseByType.get(t) ?? 0);

  const result = {
    nodes: args.nodes,
    packets_per_s_per_node_p99: round1(percentile(rates, 99)),
    detect_ms_p99: round1(percentile(detect, 99)),
    false_positive_deaths: new Set(falseDeaths.map((f) => f.node)).size,
    false_positive_verdicts: falseDeaths.length,
    deaths: killedAt.size,
    undetected,
    detect_ms_p50: round1(percentile(detect, 50)),
    detect_ms_max: round1(Math.max(...detect)),
    first_detect_ms_p50: round1(percentile(detectFirst, 50)),
    packets_per_s_per_node_p50: round1(percentile(rates, 50)),
    packets_per_s_per_node_max: round1(Math.max(...rates)),
    packets_per_s_per_node_quiet_p99: round1(percentile(quietRates, 99)),
    max_1s_window_packets_p50: percentile(maxWindows, 50),
    max_1s_window_packets_p99: percentile(maxWindows, 99),
    notice_packets_per_death: Math.round(typeRate('suspect') / killedAt.size),
    sent_per_s_by_type: {
      heartbeat: round1(typeRate('heartbeat') / durationS),
      suspect: round1(typeRate('suspect') / durationS),
      state: round1(typeRate('state') / durationS),
      alive: round1(typeRate('alive') / durationS),
    },
    own_suspicions: suspicions,
    refutations,
    duration_s: durationS,
    real_s: round1((performance.now() - started) / 1000),
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const rows: [string, string | number, string][] = [
    ['nodes', result.nodes, ''],
    ['deaths (killed one at a time)', `${result.deaths} (${result.undetected} not seen by every survivor)`, ''],
    ['detect ms, kill → every survivor: p50 / p99 / max', `${result.detect_ms_p50} / ${result.detect_ms_p99} / ${result.detect_ms_max}`, 'p99 ≤ 500'],
    ['detect ms, kill → first verdict: p50', result.first_detect_ms_p50, ''],
    ['packets/s per node (sent+received): p50 / p99 / max', `${result.packets_per_s_per_node_p50} / ${result.packets_per_s_per_node_p99} / ${result.packets_per_s_per_node_max}`, 'p99 ≤ 200'],
    ['packets/s per node, no deaths: p99', result.packets_per_s_per_node_quiet_p99, ''],
    ['busiest 1 s window per node: p50 / p99', `${result.max_1s_window_packets_p50} / ${result.max_1s_window_packets_p99}`, ''],
    ['suspect packets per death', result.notice_packets_per_death, ''],
    ['false deaths (nodes / verdicts)', `${result.false_positive_deaths} / ${result.false_positive_verdicts}`, '0'],
    ['own suspicions / refutations', `${result.own_suspicions} / ${result.refutations}`, ''],
    ['virtual s measured / real s', `${result.duration_s} / ${result.real_s}`, ''],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v, target] of rows) console.log(`${k.padEnd(w)}  ${String(v).padEnd(24)} ${target}`);
}

main();
