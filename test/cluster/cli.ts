// npm run cluster:up [-- --nodes N] [--id ID]   → last stdout line: ClusterInfo JSON
// npm run cluster:down [-- --id ID | --all]
// Clusters made here belong to nobody and persist until cluster:down; test runs make
// their own clusters owned by the test process (removed when it exits or dies).
import { parseArgs } from 'node:util';
import { down, info, listClusterIds, reapStale, up } from './cluster.js';
import { destroyNetlab, listLeftovers } from '../netlab/netlab.js';
import { makePlan } from '../netlab/plan.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clustersDir } from './cluster.js';

const log = (m: string) => process.stderr.write(`cluster: ${m}\n`);

function unownedIds(): string[] {
  return listClusterIds().filter((id) => {
    try {
      return !JSON.parse(readFileSync(join(clustersDir(), id, 'state.json'), 'utf8')).ownerPid;
    } catch {
      return true;
    }
  });
}

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: {
      nodes: { type: 'string' },
      id: { type: 'string' },
      all: { type: 'boolean' },
      'from-watchdog': { type: 'boolean' },
    },
  });
  if (cmd === 'up') {
    const nodes = values.nodes === undefined ? 3 : Number(values.nodes);
    const id = values.id ?? unownedIds()[0];
    const c = await up({ id, nodes, log });
    process.stdout.write(`${JSON.stringify(c)}\n`);
    return 0;
  }
  if (cmd === 'down') {
    const ids = values.id ? [values.id] : values.all ? listClusterIds() : unownedIds();
    for (const id of ids) await down(id, log, values['from-watchdog']);
    if (values.all) {
      await reapStale(log);
      const left = await listLeftovers();
      for (const id of new Set([...left.netns, ...left.links].map((n) => n.slice(3, 8)))) await destroyNetlab(makePlan(id, 89));
    }
    if (ids.length === 0) log('no cluster to remove');
    return 0;
  }
  if (cmd === 'info') {
    const id = values.id ?? unownedIds()[0];
    const c = id ? info(id) : undefined;
    if (!c) {
      log('no cluster');
      return 1;
    }
    process.stdout.write(`${JSON.stringify(c)}\n`);
    return 0;
  }
  process.stderr.write('usage: cli.ts up [--nodes N] [--id ID] | down [--id ID | --all] | info [--id ID]\n');
  return 2;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
