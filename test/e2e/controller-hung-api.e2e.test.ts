// A leader whose API server hangs must stop acting within its renew deadline, as
// client-go's leader election does: a renew stuck on a dead connection must not keep it
// leading. Replica A reaches the API server through a TCP proxy the test freezes (the
// connection stays open, nothing flows: a hung server or a half-open path); replica B is
// connected directly. After the freeze A must exit (leadership lost, code 3) within the
// renew deadline, and B must take over only after A stopped and assign the Service A
// could no longer see. Both run as ServiceAccount ironlb-controller. Addresses:
// 203.0.113.176/29 only. The measured figures are printed; bounds are generous multiples
// of the configured deadline.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../cluster/cluster.js';
import { installRbac, startProcess } from '../cluster/components.js';
import { mintServiceAccountKubeconfig } from '../cluster/accounts.js';
import { freePort } from '../cluster/control-plane.js';
import { waitFor } from '../cluster/exec.js';
import { E2eScope, installCrds, ControllerHandle, timeOf, type LogLine } from './fixtures/controller.js';
import { startFreezeProxy, type FreezeProxy } from './fixtures/freeze-proxy.js';

const cluster = inject('cluster');
const s = new E2eScope(cluster, 'chg');
const LEASE_S = 6;
/** What the controller derives from --lease-duration (controller.ts): 2/3 of the lease. */
const RENEW_DEADLINE_MS = Math.floor(LEASE_S * 1000 * (2 / 3));

let proxy: FreezeProxy | undefined;
let viaProxy: ControllerHandle | undefined;

beforeAll(async () => {
  await installCrds(s.k);
});
afterAll(async () => {
  await viaProxy?.stop('SIGKILL');
  await proxy?.close();
  await s.close();
});

/** The controller's bin as ServiceAccount ironlb-controller, talking to the API server at `server`. */
async function startControllerVia(server: string, identity: string): Promise<ControllerHandle> {
  await installRbac(cluster, ['00-namespace.yaml', '10-controller-rbac.yaml']);
  const direct = await mintServiceAccountKubeconfig(cluster, { namespace: 'metallb-system', name: 'ironlb-controller' });
  const kubeconfig = join(cluster.stateDir, `${identity}.kubeconfig`);
  writeFileSync(kubeconfig, readFileSync(direct, 'utf8').replaceAll(cluster.server, server));
  const opsPort = await freePort();
  // The shipped bin (the bundle), so the e2e suite runs that form too.
  const proc = startProcess(process.execPath, [
    join(repoRoot, 'packages/controller/dist/ironlb-controller.mjs'),
    '--metrics-addr', `127.0.0.1:${opsPort}`, '--lease-name', s.leaseName, '--lease-duration', String(LEASE_S),
  ], { ...process.env, KUBECONFIG: kubeconfig, POD_NAME: identity });
  return new ControllerHandle(proc, identity, opsPort);
}

const writesOf = (lines: LogLine[]) => lines.filter((l) => l.event === 'ipAllocated' || l.event === 'ipCleared');

describe('controller: leader on a hung API server', () => {
  it('stops acting within the renew deadline; the directly connected standby takes over after it', async () => {
    const ns = await s.createNamespace('hung');
    await s.createPool('hung', { addresses: ['203.0.113.176-203.0.113.183'], serviceAllocation: { namespaces: [ns] } });
    proxy = await startFreezeProxy(cluster.server);
    const a = (viaProxy = await startControllerVia(proxy.url, s.name('a')));
    await a.waitInitialSync();
    const b = await s.startController({ identity: s.name('b'), leaseDurationSeconds: LEASE_S });
    await b.waitReady();
    await s.createService(ns, 's1');
    await s.waitAssigned(ns, 's1');
    // The adapter logs a write once it is applied, which can be just after the ingress shows.
    await waitFor('A logs its write of s1', async () => (writesOf(a.lines()).length > 0 ? true : undefined), 10_000, 50);
    expect(writesOf(a.lines()).map((l) => l.service)).toEqual([`${ns}/s1`]);

    proxy.freeze();
    const frozenAt = Date.now();
    await s.createService(ns, 's2'); // A cannot see it any more
    const code = await Promise.race([a.proc.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 4 * RENEW_DEADLINE_MS))]);
    const exitedAt = Date.now();
    expect(code, `leader behind the frozen proxy is still running ${4 * RENEW_DEADLINE_MS} ms after the freeze:\n${a.proc.output().slice(-2000)}`).toBe(3);
    const lost = a.linesWith('leaderLost');
    expect(lost).toHaveLength(1);
    const stoppedAfterMs = timeOf(lost[0]!) - frozenAt;

    const took = await b.waitInitialSync(60_000);
    const [ip] = await s.waitIngress(ns, 's2');
    const takenAfterMs = timeOf(took) - frozenAt;
    process.stderr.write(
      `hung API server: renew deadline ${RENEW_DEADLINE_MS} ms, lease ${LEASE_S} s; leader stopped acting ${stoppedAfterMs} ms after the freeze ` +
        `(${String(lost[0]!.sinceRenewMs)} ms after its last renew began; process exited ${exitedAt - frozenAt} ms after), ` +
        `standby took over ${takenAfterMs} ms after the freeze and assigned s2 = ${ip}\n`,
    );
    // Lost within the renew deadline counted from its last successful renew (timer slack allowed).
    expect(Number(lost[0]!.sinceRenewMs)).toBeLessThanOrEqual(RENEW_DEADLINE_MS + 1_000);
    expect(stoppedAfterMs).toBeLessThanOrEqual(RENEW_DEADLINE_MS + 2_000);
    // A wrote nothing after the freeze; B wrote only after A had stopped.
    // The adapter logs a write once it is applied, which can be just after the ingress shows.
    await waitFor('A logs its write of s1', async () => (writesOf(a.lines()).length > 0 ? true : undefined), 10_000, 50);
    expect(writesOf(a.lines()).map((l) => l.service)).toEqual([`${ns}/s1`]);
    const bWrites = writesOf(b.lines());
    expect(bWrites.map((l) => l.service)).toContain(`${ns}/s2`);
    expect(Math.min(...bWrites.map(timeOf))).toBeGreaterThan(timeOf(lost[0]!));
    expect(timeOf(took)).toBeGreaterThan(timeOf(lost[0]!));
    // s1 kept its IP across the hand-over.
    expect((await s.waitAssigned(ns, 's1')).ips).toHaveLength(1);
  });
});
