// Allocation cost with an empty pool vs. with 1,000,000 addresses in use, for an IPv6
// /64 and an IPv4 /8. The used addresses are every other one (the worst layout for the
// free-run tree: one run per hole), filled through restore() as a controller start-up
// would.
//
// Method: both allocators live in the same process and are measured in alternating
// rounds (batches of fresh Services allocated, then released), so machine load and the
// size of the JS heap weigh equally on both; the figure is the median round. The empty
// pool is also measured alone before the fill (ns_per_alloc_empty_small_heap), which
// shows what a big heap costs the runtime regardless of the allocator.
//
// Progress goes to stderr; `--json` prints one JSON line on stdout:
//   {"ns_per_alloc_empty", "ns_per_alloc_1M_used", "ratio", "heap_mb_1M", "cases": {...}}
// where the top-level figures are the worse of the two cases. Target: ratio <= 2.
//
// Run: npm run bench:allocator -- --json   (BENCH_USED=100000 for a quick run)
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { formatAddress, parseAddressEntry, validatePool, type AddressFamily } from '@ironlb/core';
import { Allocator, type HeldAssignment, type ServiceView } from '../packages/controller/src/allocator/index.js';

const USED = Number(process.env.BENCH_USED ?? 1_000_000);
const BATCH = 10_000;
const ROUNDS = 9;

interface Case {
  name: string;
  cidr: string;
  family: AddressFamily;
}

const cases: Case[] = [
  { name: 'ipv6_64', cidr: '2001:db8:1::/64', family: 6 },
  { name: 'ipv4_8', cidr: '10.0.0.0/8', family: 4 },
];

const log = (msg: string): void => void process.stderr.write(`[bench:allocator] ${msg}\n`);
// A real GC before reading the heap, without needing `node --expose-gc` on the command line.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const sharedPorts = [{ protocol: 'TCP', port: 80 }] as const;
const empty = {};

function service(key: string, family: AddressFamily): ServiceView {
  return {
    key,
    namespace: 'bench',
    labels: empty,
    namespaceLabels: empty,
    ipFamilies: [family === 4 ? 'IPv4' : 'IPv6'],
    ipFamilyPolicy: 'SingleStack',
    requestedIPs: [],
    ports: sharedPorts,
    externalTrafficPolicy: 'Cluster',
    selector: empty,
  };
}

function poolFor(c: Case) {
  const r = validatePool({ metadata: { name: c.name }, spec: { addresses: [c.cidr] } });
  if (!r.ok) throw new Error(r.problems[0]?.message);
  return r.pool;
}

const median = (xs: number[]): number => Math.round([...xs].sort((x, y) => x - y)[xs.length >> 1] as number);

/** One round: BATCH fresh Services allocated, then released; ns per operation. */
function round(a: Allocator, svcs: ServiceView[]): { alloc: number; release: number } {
  let t = process.hrtime.bigint();
  for (const s of svcs) {
    const r = a.allocate(s);
    if (!r.ok) throw new Error(`${s.key}: ${r.message}`);
  }
  const alloc = Number(process.hrtime.bigint() - t) / svcs.length;
  t = process.hrtime.bigint();
  for (const s of svcs) a.release(s.key);
  return { alloc, release: Number(process.hrtime.bigint() - t) / svcs.length };
}

function batch(c: Case, tag: string): ServiceView[] {
  return Array.from({ length: BATCH }, (_, i) => service(`bench/${tag}-${i}`, c.family));
}

function fill(a: Allocator, c: Case): number {
  const r = parseAddressEntry(c.cidr);
  if (!r.ok) throw new Error(r.message);
  const base = r.range.first;
  const held: HeldAssignment[] = new Array<HeldAssignment>(USED);
  for (let i = 0; i < USED; i++) held[i] = { service: service(`fill/${i}`, c.family), ips: [formatAddress(c.family, base + 2n * BigInt(i))] };
  const t = process.hrtime.bigint();
  const out = a.restore(held);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const failed = out.filter((o) => !o.ok).length;
  if (failed > 0) throw new Error(`${failed} restores failed`);
  return ms;
}

function runCase(c: Case) {
  const pool = poolFor(c);
  const emptyAlloc = new Allocator([pool]);
  const emptySvcs = batch(c, 'empty');
  log(`${c.name}: empty pool, small heap`);
  round(emptyAlloc, emptySvcs); // warm-up: JIT
  const alone = Array.from({ length: ROUNDS }, () => round(emptyAlloc, emptySvcs));
  const smallHeapAlloc = median(alone.map((x) => x.alloc));

  const full = new Allocator([pool]);
  log(`${c.name}: restoring ${USED.toLocaleString('en')} addresses (every other one)`);
  const restoreMs = fill(full, c);
  gc();
  const heapMb = Math.round(process.memoryUsage().heapUsed / 1e6);
  log(`${c.name}: restored in ${Math.round(restoreMs)} ms, heap ${heapMb} MB`);

  const fullSvcs = batch(c, 'used');
  round(full, fullSvcs); // warm-up: map growth, JIT
  round(emptyAlloc, emptySvcs);
  const e: { alloc: number; release: number }[] = [];
  const u: { alloc: number; release: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    e.push(round(emptyAlloc, emptySvcs));
    u.push(round(full, fullSvcs));
  }
  const usage = full.usage(c.name);
  const emptyNs = median(e.map((x) => x.alloc));
  const usedNs = median(u.map((x) => x.alloc));
  log(`${c.name}: ${usage?.[c.family === 4 ? 'assignedIPv4' : 'assignedIPv6']} in use: alloc ${usedNs} ns vs empty ${emptyNs} ns (alone, small heap: ${smallHeapAlloc} ns)`);
  return {
    ns_per_alloc_empty: emptyNs,
    ns_per_alloc_1M_used: usedNs,
    ratio: Math.round((usedNs / emptyNs) * 100) / 100,
    ns_per_release_empty: median(e.map((x) => x.release)),
    ns_per_release_1M_used: median(u.map((x) => x.release)),
    ns_per_alloc_empty_small_heap: smallHeapAlloc,
    ratio_vs_small_heap: Math.round((usedNs / smallHeapAlloc) * 100) / 100,
    restore_ms_1M: Math.round(restoreMs),
    heap_mb_1M: heapMb,
  };
}

const results: Record<string, ReturnType<typeof runCase>> = {};
for (const c of cases) {
  results[c.name] = runCase(c);
  gc();
}
const all = Object.values(results);
const worst = (k: 'ns_per_alloc_empty' | 'ns_per_alloc_1M_used' | 'ratio' | 'heap_mb_1M'): number => Math.max(...all.map((r) => r[k]));
const summary = {
  ns_per_alloc_empty: worst('ns_per_alloc_empty'),
  ns_per_alloc_1M_used: worst('ns_per_alloc_1M_used'),
  ratio: worst('ratio'),
  heap_mb_1M: worst('heap_mb_1M'),
  used: USED,
  cases: results,
};
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} else {
  console.table(results);
  console.log(`worst ratio ${summary.ratio} (target <= 2)`);
}
