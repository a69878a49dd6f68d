// The machine side of the demo: facts for the prerequisite check, and building what is
// missing — the Kubernetes binaries (test/cluster/build-k8s.sh, cached by version) and
// ironlb's dist/ (tsc -b, only the projects it finds stale).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { buildBinaries, clustersDir, listClusterIds, reapStale, repoRoot } from '../../../../test/cluster/cluster.js';
import { run } from '../../../../test/cluster/exec.js';
import { TOOLS, type MachineFacts } from './prereq.js';
import type { Ui } from './ui.js';

/** The file a demo writes into its cluster's state dir: marks the cluster as the demo's. */
export const demoMarker = (id: string) => join(clustersDir(), id, 'demo.json');

const onPath = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

export async function gatherFacts(log: (m: string) => void): Promise<MachineFacts> {
  const uid = process.getuid?.();
  // Clusters whose owner died are leftovers, not "running": remove them first (needs root).
  if (uid === 0) await reapStale(log);
  const clusters = listClusterIds().map((id) => {
    let ownerPid: number | undefined;
    try {
      ownerPid = (JSON.parse(readFileSync(join(clustersDir(), id, 'state.json'), 'utf8')) as { ownerPid?: number }).ownerPid;
    } catch {
      /* no state: reported as unowned */
    }
    return { id, demo: existsSync(demoMarker(id)), ...(ownerPid ? { ownerPid } : {}) };
  });
  return {
    uid,
    nodeVersion: process.version,
    tools: Object.fromEntries(TOOLS.map((t) => [t, onPath(t)])),
    depsInstalled: existsSync(join(repoRoot, 'node_modules/.bin/tsc')),
    addonBuilt: existsSync(join(repoRoot, 'packages/speaker/build/Release/ironlb_packet.node')),
    clusters,
  };
}

/** The Kubernetes binaries' directory: cached, or built now (build-k8s.sh streams its progress to stderr). */
export async function ensureKubernetes(ui: Ui): Promise<string> {
  // .ci/setup puts Go here; a later shell may not have it on PATH.
  const goBin = '/usr/local/go/bin';
  if (existsSync(goBin) && !(process.env.PATH ?? '').split(delimiter).includes(goBin)) process.env.PATH = `${process.env.PATH ?? ''}${delimiter}${goBin}`;
  const t = performance.now();
  try {
    const bin = await buildBinaries(ui.progress('kubernetes'));
    ui.say(`Kubernetes binaries: ${bin} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    return bin;
  } catch (e) {
    throw new Error(`could not build the Kubernetes binaries (${(e as Error).message}); a first build needs Go >= 1.26 on PATH and the Go module proxy: run bash .ci/setup`);
  }
}

/** Runs `tsc -b` when a project's dist is missing or stale (tsc's own up-to-date check). */
export async function ensureDist(ui: Ui): Promise<void> {
  const tsc = join(repoRoot, 'node_modules/.bin/tsc');
  const root = join(repoRoot, 'tsconfig.json');
  const dry = await run(tsc, ['-b', '--dry', root], { allowFail: true });
  const stale = [...dry.stdout.matchAll(/would build project '([^']+)'/g)].map((m) => m[1]!.replace(`${repoRoot}/`, '').replace('/tsconfig.json', ''));
  if (stale.length === 0 && dry.code === 0) {
    // Sources touched but unchanged: tsc -b only refreshes timestamps (well under a second).
    if (/would update timestamps/.test(dry.stdout)) await run(tsc, ['-b', root], { allowFail: true });
    ui.say('ironlb dist/ is up to date (tsc -b)');
    return;
  }
  ui.say(`building ${stale.join(', ') || 'ironlb'} (tsc -b)…`);
  const t = performance.now();
  const r = await run(tsc, ['-b', root], { allowFail: true, timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`tsc -b failed:\n${(r.stdout + r.stderr).trim()}`);
  ui.say(`built in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
