// Proves the cluster-in-a-box itself: real API objects, RBAC enforced, EndpointSlices
// derived by the real controller, and a layer-2 network where strictARP matters.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runIn, run, waitFor } from '../cluster/exec.js';
import { kubectl, getJson } from '../cluster/kubectl.js';
import { mintServiceAccountKubeconfig } from '../cluster/accounts.js';
import { createRunningPod } from '../cluster/workloads.js';
import { addVips, removeVips, setStrictArp } from '../netlab/netlab.js';

const c = inject('cluster');
const admin = { kubectl: c.kubectl, kubeconfig: c.kubeconfig };
const ns = `harness-${Date.now().toString(36)}`;

afterAll(async () => {
  await kubectl(admin, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
});

/** MACs that answered an ARP request for `ip`, as seen by the client's arping. */
async function arpAnswers(ip: string): Promise<Set<string>> {
  // -c 3 requests, -w 3 s deadline; exit 1 means no reply, which is a valid outcome here.
  const r = await runIn(c.client.netns, 'arping', ['-c', '3', '-w', '3', '-I', c.client.iface, ip], { allowFail: true });
  const macs = [...r.stdout.matchAll(/reply from \S+ \[([0-9a-f:]{17})\]/gi)].map((m) => m[1]!.toLowerCase());
  return new Set(macs);
}

describe('control plane', () => {
  it('has a Node object for every netlab node, with its addresses', async () => {
    const nodes = await getJson<{ items: { metadata: { name: string }; status: { addresses: { address: string }[] } }[] }>(admin, ['nodes']);
    for (const n of c.nodes) {
      const obj = nodes.items.find((i) => i.metadata.name === n.name);
      expect(obj, n.name).toBeDefined();
      expect(obj!.status.addresses.map((a) => a.address)).toContain(n.ip);
    }
  });

  it('enforces RBAC for ServiceAccount kubeconfigs minted by the harness', async () => {
    const kc = await mintServiceAccountKubeconfig(c, { namespace: ns, name: 'probe' });
    const asSa = { kubectl: c.kubectl, kubeconfig: kc };
    const denied = await kubectl(asSa, ['get', 'configmaps', '-n', ns], { allowFail: true });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/forbidden/i);
    await kubectl(admin, ['create', 'role', 'cm-reader', '-n', ns, '--verb=list', '--resource=configmaps']);
    await kubectl(admin, ['create', 'rolebinding', 'cm-reader', '-n', ns, '--role=cm-reader', `--serviceaccount=${ns}:probe`]);
    await waitFor('RBAC binding to take effect', async () => {
      const r = await kubectl(asSa, ['get', 'configmaps', '-n', ns], { allowFail: true });
      return r.code === 0 ? true : undefined;
    }, 10_000);
  });

  it('derives EndpointSlices with nodeName from hand-run pods', async () => {
    const node = c.nodes[1]!;
    await createRunningPod(admin, { namespace: ns, name: 'web-0', nodeName: node.name, podIP: node.ip, labels: { app: 'web' } });
    await kubectl(admin, ['create', 'service', 'loadbalancer', 'web', '-n', ns, '--tcp=80:80']);
    await kubectl(admin, ['set', 'selector', 'service/web', 'app=web', '-n', ns]);
    type Slices = { items: { endpoints?: { nodeName?: string; addresses: string[]; conditions: { ready?: boolean } }[] }[] };
    const ep = await waitFor('an EndpointSlice for web', async () => {
      const s = await getJson<Slices>(admin, ['endpointslices', '-n', ns, '-l', 'kubernetes.io/service-name=web']);
      return s.items.flatMap((i) => i.endpoints ?? [])[0];
    }, 30_000, 250);
    expect(ep.nodeName).toBe(node.name);
    expect(ep.addresses).toEqual([node.ip]);
    expect(ep.conditions.ready).toBe(true);
  });

  it('has the kube-proxy ConfigMap the strictARP preflight reads', async () => {
    const cm = await getJson<{ data: Record<string, string> }>(admin, ['configmap', 'kube-proxy', '-n', 'kube-system']);
    expect(cm.data['config.conf']).toMatch(/mode: ipvs/);
    expect(cm.data['config.conf']).toMatch(/strictARP: true/);
  });
});

describe('netlab', () => {
  it('lets the client reach every node over IPv4 and IPv6, each answering its name', async () => {
    for (const n of c.nodes) {
      for (const url of [`http://${n.ip}/`, `http://[${n.ipv6}]/`]) {
        const r = await runIn(c.client.netns, 'curl', ['-s', '--max-time', '3', url]);
        expect(r.stdout.trim(), url).toBe(n.name);
      }
    }
  });

  it('reproduces the IPVS failure: with strictARP off every node answers ARP for a VIP on lo, with it on none does', async () => {
    const vip = '198.51.100.240';
    try {
      for (const n of c.nodes) await addVips(n.netns, [vip]);

      for (const n of c.nodes) await setStrictArp(n.netns, false);
      const off = await arpAnswers(vip);
      expect(off.size).toBeGreaterThan(1);
      for (const mac of off) expect(c.nodes.map((n) => n.mac)).toContain(mac);

      for (const n of c.nodes) await setStrictArp(n.netns, true);
      await runIn(c.client.netns, 'ip', ['neigh', 'flush', 'dev', c.client.iface]);
      const on = await arpAnswers(vip);
      expect(on.size).toBe(0);
    } finally {
      for (const n of c.nodes) {
        await removeVips(n.netns, [vip]);
        await setStrictArp(n.netns, true);
      }
    }
  });

  it('keeps the lab isolated: node namespaces have no default route', async () => {
    for (const n of [...c.nodes, c.client]) {
      const r = await run('ip', ['netns', 'exec', n.netns, 'ip', 'route', 'show', 'default']);
      expect(r.stdout.trim()).toBe('');
    }
  });
});
