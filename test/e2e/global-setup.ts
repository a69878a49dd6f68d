// Gives every e2e file one cluster-in-a-box, owned by this test process: torn down at
// the end, and by its watchdog if the process is killed. IRONLB_E2E_REUSE=1 reuses a
// cluster made by `npm run cluster:up` instead (fast iteration; nothing is torn down).
import type { TestProject } from 'vitest/node';
import { down, info, listClusterIds, up } from '../cluster/cluster.js';

export default async function setup(project: TestProject) {
  const log = (m: string) => process.stderr.write(`cluster: ${m}\n`);
  if (process.env.IRONLB_E2E_REUSE === '1') {
    const id = listClusterIds()[0];
    const c = id ? info(id) : undefined;
    if (!c) throw new Error('IRONLB_E2E_REUSE=1 but no cluster is running: npm run cluster:up first');
    project.provide('cluster', c);
    return;
  }
  const c = await up({ nodes: 3, ownerPid: process.pid, log });
  project.provide('cluster', c);
  const teardown = () => down(c.id, log);
  return teardown;
}
