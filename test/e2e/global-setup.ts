// Gives every e2e file one cluster-in-a-box, owned by this test process: torn down at
// the end, and by its watchdog if the process is killed. IRONLB_E2E_REUSE=1 reuses a
// cluster made by `npm run cluster:up` instead (fast iteration; nothing is torn down).
import type { TestProject } from 'vitest/node';
import { join } from 'node:path';
import { down, info, listClusterIds, repoRoot, up } from '../cluster/cluster.js';
import { kubectl, waitCrdsEstablished } from '../cluster/kubectl.js';

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
  // Installed as on a real cluster before any suite runs: the CRDs and MetalLB's
  // namespace are shared by every file, so no file may create (and later delete) them.
  await kubectl(c, ['apply', '-f', join(repoRoot, 'crds'), '-f', join(repoRoot, 'deploy/00-namespace.yaml')]);
  await waitCrdsEstablished(c);
  project.provide('cluster', c);
  const teardown = () => down(c.id, log);
  return teardown;
}
