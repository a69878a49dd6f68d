// The controller's and speaker's OCI images, built here without Docker or a registry
// (test/images/build.ts) from what their Dockerfiles say, inspected with skopeo, and run:
// the controller and the speakers of a crash failover start from their images with runc,
// exactly as deploy/ runs them (args, env, users, capabilities, read-only root; the
// speakers one per node namespace, as hostNetwork).
// Addresses: 198.51.100.241-245 only.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setKubeProxyConfig } from '../cluster/bootstrap.js';
import { run, sleep, waitFor } from '../cluster/exec.js';
import { addVips, removeVips } from '../netlab/netlab.js';
import { buildImage, type BuiltImage, type Component } from '../images/build.js';
import { freePort } from '../cluster/control-plane.js';
import { removeContainers, startContainer, unpackImage, type Unpacked } from '../images/runc.js';
import { ControllerHandle, E2eScope, PoolNamespace } from './fixtures/controller.js';
import { controllerDeploymentContainer, speakerDaemonSetContainer, startControllerFromImage, startSpeakerFromImage, type ImageSpeaker } from './fixtures/images.js';
import type { Container } from '../images/runc.js';
import { monoNs, outageAfter, setNodeLink, startConnectLoop, waitSingleOwner } from './fixtures/speakers.js';

const c = inject('cluster');
const s = new E2eScope(c, 'im');
const t = { kubectl: c.kubectl, kubeconfig: c.kubeconfig };
const VIPS = ['198.51.100.241', '198.51.100.242', '198.51.100.243', '198.51.100.244', '198.51.100.245'];
const images = {} as Record<Component, BuiltImage>;
const unpacked = {} as Record<Component, Unpacked>;
const speakers = new Map<string, ImageSpeaker>();
let controller: Container | undefined;
const idPrefix = `ilb${c.id}-im-`;
const log = (m: string) => process.stderr.write(`${m}\n`);

interface ImageConfig {
  config: { User?: string; Entrypoint?: string[]; Cmd?: string[]; WorkingDir?: string; Env?: string[]; Labels?: Record<string, string>; ExposedPorts?: Record<string, object> };
  history?: { created_by?: string }[];
}

const skopeo = async <T>(args: string[]): Promise<T> => JSON.parse((await run('skopeo', args)).stdout) as T;

beforeAll(async () => {
  for (const comp of ['controller', 'speaker'] as const) {
    images[comp] = await buildImage(comp, log);
    log(`images: ${comp} ${images[comp].cached ? 'cached' : 'built'} in ${images[comp].ms} ms`);
    const t0 = Date.now();
    unpacked[comp] = await unpackImage(images[comp]);
    log(`images: ${comp} unpacked (${(unpacked[comp].bytes / 1e6).toFixed(1)} MB) in ${Date.now() - t0} ms`);
  }
}, 900_000);

afterAll(async () => {
  const dir = join(c.stateDir, 'e2e-logs');
  mkdirSync(dir, { recursive: true });
  for (const sp of speakers.values()) {
    await sp.stop();
    writeFileSync(join(dir, `image-speaker-${s.run}-${sp.node.name}.log`), sp.output());
  }
  if (controller) {
    await controller.stop();
    writeFileSync(join(dir, `image-controller-${s.run}.log`), controller.output());
  }
  await removeContainers(idPrefix);
  await s.close();
  await s.k(['delete', 'l2advertisement', s.name('adv'), '-n', PoolNamespace, '--ignore-not-found']);
  await Promise.all(c.nodes.map((n) => removeVips(n.netns, VIPS)));
  await s.k(['delete', 'servicel2statuses', '-n', PoolNamespace, '--all']);
});

describe.each(['controller', 'speaker'] as const)('%s image', (comp) => {
  it('has the config its Dockerfile gives: non-root user, exec-form entrypoint, workdir, env, labels, ports', async () => {
    const img = images[comp];
    const df = img.dockerfile;
    const cfg = (await skopeo<ImageConfig>(['inspect', '--config', img.ref])).config;
    expect(cfg.User).toBe(df.user);
    expect(cfg.Entrypoint).toEqual(df.entrypoint);
    expect(cfg.Cmd ?? undefined).toEqual(df.cmd);
    expect(cfg.WorkingDir).toBe(df.workdir);
    for (const [k, v] of Object.entries(df.env)) expect(cfg.Env).toContain(`${k}=${v}`);
    expect(cfg.Labels).toEqual(df.labels);
    expect(Object.keys(cfg.ExposedPorts ?? {}).sort()).toEqual([...df.exposed].sort());
    // What the Dockerfile must say, whatever it says: these are the product's promises.
    expect(df.base).toBe('node:20-bookworm-slim');
    expect(df.stages.length).toBeGreaterThanOrEqual(1);
    expect(cfg.User).toMatch(/^[1-9]\d*(:\d+)?$/);
    // The controller's bin is the bundle (scripts/bundle.mjs: ~45 MB less RSS); the speaker's is tsc's main.js.
    const bin = { controller: 'ironlb-controller.mjs', speaker: 'main.js' }[comp];
    expect(cfg.Entrypoint).toEqual(['node', `/app/packages/${comp}/dist/${bin}`]);
    expect(cfg.Labels).toMatchObject({ 'org.opencontainers.image.title': `ironlb-${comp}`, 'org.opencontainers.image.source': expect.stringMatching(/^https:\/\//), 'org.opencontainers.image.licenses': 'Apache-2.0' });
  });

  it('holds only production dependencies, and its entrypoint runs from a read-only root as the image user', async () => {
    const u = unpacked[comp];
    const { existsSync } = await import('node:fs');
    const entry = images[comp].dockerfile.entrypoint?.at(-1) ?? '';
    expect(existsSync(join(u.rootfs, entry.replace(/^\//, ''))), entry).toBe(true);
    for (const dev of ['typescript', 'vitest', 'eslint', 'tsx', 'fast-check']) expect(existsSync(join(u.rootfs, 'app/node_modules', dev)), dev).toBe(false);
    if (comp === 'speaker') expect(existsSync(join(u.rootfs, 'app/packages/speaker/build/Release/ironlb_packet.node'))).toBe(true);
    // main.ts answers only after every module it imports has loaded (ESM imports are
    // static): a missing dependency or a broken symlink would fail before this answer.
    const probe = { controller: { args: ['--log-level=loud'], code: 2, says: '--log-level: "loud" is not one of' }, speaker: { args: ['--help'], code: 0, says: 'usage: ironlb-speaker' } }[comp];
    const id = `${idPrefix}${comp}-probe-${s.run}`;
    const ctr = startContainer(u, { id, bundleDir: join(c.stateDir, 'containers', id), args: probe.args, capabilities: [] });
    const code = await Promise.race([ctr.exited, sleep(30_000).then(() => 'timeout' as const)]);
    await ctr.stop('SIGKILL');
    expect(code, ctr.output()).toBe(probe.code);
    expect(ctr.output()).toContain(probe.says);
  });

  it('reports its size', async () => {
    const raw = await skopeo<{ layers: { size: number; digest: string }[] }>(['inspect', '--raw', images[comp].ref]);
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    const layers = raw.layers.map((l) => l.size);
    log(`image ${comp}: ${raw.layers.length} layers, compressed ${layers.map(mb).join(' + ')} = ${mb(layers.reduce((a, b) => a + b, 0))}; unpacked ${mb(unpacked[comp].bytes)}`);
    expect(raw.layers.length).toBe(3);
  });
});

describe('the controller and the speakers started from their images (runc; speakers in the node namespaces)', () => {
  let ns: string;
  let pool: string;
  let opsPort: number;

  beforeAll(async () => {
    await removeContainers(idPrefix);
    await Promise.all(c.nodes.map((n) => addVips(n.netns, VIPS)));
    await setKubeProxyConfig(t, 'ipvs', true);
    // This file's own lease and a free ops port; everything else as the Deployment says.
    opsPort = await freePort();
    controller = await startControllerFromImage(c, unpacked.controller, `${idPrefix}controller-${s.run}`, [`--metrics-addr=127.0.0.1:${opsPort}`, `--lease-name=${s.leaseName}`]);
    await new ControllerHandle(controller, `ironlb-controller-${idPrefix}controller-${s.run}`, opsPort).waitInitialSync();
    ns = await s.createNamespace('svc');
    pool = await s.pool('pool', { addresses: ['198.51.100.241-198.51.100.245'], serviceAllocation: { namespaces: [ns] } });
    await s.k.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: s.name('adv'), namespace: PoolNamespace }, spec: { ipAddressPools: [pool] } }) });
    for (const n of c.nodes) speakers.set(n.name, await startSpeakerFromImage(c, n, unpacked.speaker, `${idPrefix}${n.name}-${s.run}`));
    await waitFor('every image speaker ready', async () => {
      for (const sp of speakers.values()) {
        const r = await run('ip', ['netns', 'exec', sp.node.netns, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://127.0.0.1:7473/readyz'], { allowFail: true });
        if (r.stdout !== '200') return undefined;
      }
      return true;
    }, 60_000, 300);
  }, 180_000);

  /** The container's main process as the kernel sees it (/proc/PID/status fields). */
  async function processStatus(id: string): Promise<(field: string) => string | undefined> {
    const state = JSON.parse((await run('runc', ['state', id])).stdout) as { pid: number; status: string };
    expect(state.status).toBe('running');
    const status = (await run('cat', [`/proc/${state.pid}/status`])).stdout;
    return (n) => status.split('\n').find((l) => l.startsWith(`${n}:`))?.slice(n.length + 1).trim();
  }

  it('run the speakers as the DaemonSet says: uid 0 with CAP_NET_RAW alone, no privilege escalation', async () => {
    expect(speakerDaemonSetContainer().securityContext.capabilities?.add).toEqual(['NET_RAW']);
    for (const sp of speakers.values()) {
      const field = await processStatus(sp.id);
      // CAP_NET_RAW is bit 13: 0x2000, and nothing else in any set.
      for (const set of ['CapEff', 'CapPrm', 'CapBnd']) expect(field(set), `${sp.node.name} ${set}`).toBe('0000000000002000');
      expect(field('CapAmb')).toBe('0000000000000000');
      expect(field('NoNewPrivs')).toBe('1');
      expect(field('Uid')?.split(/\s+/)[0]).toBe('0');
    }
  });

  it('run the controller as the Deployment says: non-root, no capabilities, no privilege escalation', async () => {
    const m = controllerDeploymentContainer();
    const field = await processStatus(controller!.id);
    expect(field('Uid')?.split(/\s+/)[0]).toBe(String(m.podSecurityContext.runAsUser));
    expect(field('Uid')?.split(/\s+/)[0]).not.toBe('0');
    for (const set of ['CapEff', 'CapPrm', 'CapBnd', 'CapAmb']) expect(field(set), set).toBe('0000000000000000');
    expect(field('NoNewPrivs')).toBe('1');
  });

  it('export what the alert rules in deploy/prometheus/ are computed from, with the labels they group by', async () => {
    await s.createService(ns, 'metrics');
    const vip = (await s.waitIngress(ns, 'metrics'))[0]!;
    const owner = await waitSingleOwner(c, vip, 30_000);
    const sample = (text: string, name: string, labels: Record<string, string> = {}) =>
      text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).find((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))?.split(' ').at(-1);
    const ctl = (await run('curl', ['-s', `http://127.0.0.1:${opsPort}/metrics`])).stdout;
    // IronlbAddressPoolExhausted / IronlbIPNotAnnounced: per-pool totals and use.
    expect(sample(ctl, 'metallb_allocator_addresses_total', { pool })).toBe('5');
    expect(Number(sample(ctl, 'metallb_allocator_addresses_in_use_total', { pool }))).toBeGreaterThanOrEqual(1);
    const scrape = async (netns: string) => (await run('ip', ['netns', 'exec', netns, 'curl', '-s', 'http://127.0.0.1:7473/metrics'])).stdout;
    const ownerNode = c.nodes.find((n) => n.name === owner)!;
    const own = await scrape(ownerNode.netns);
    // IronlbIPNotAnnounced counts announced IPs by the ip label; the others are per speaker.
    expect(sample(own, 'metallb_speaker_announced', { ip: vip, node: owner, service: `${ns}/metrics` })).toBe('1');
    for (const n of c.nodes) {
      const text = n.name === owner ? own : await scrape(n.netns);
      expect(sample(text, 'ironlb_speaker_strict_arp_ok'), n.name).toBe('1');
      expect(sample(text, 'metallb_k8s_client_config_stale_bool'), n.name).toBe('0');
      // A counter with no conflict yet has no series; its HELP line proves the name.
      expect(text, n.name).toContain('# HELP ironlb_speaker_address_conflicts_total');
      if (n.name !== owner) expect(sample(text, 'metallb_speaker_announced', { ip: vip }), n.name).toBeUndefined();
    }
  });

  it('fail over in well under a second when the owner node crashes (container killed and link cut at once)', async () => {
    await s.createService(ns, 'crash');
    const vip = (await s.waitIngress(ns, 'crash'))[0]!;
    const owner = await waitSingleOwner(c, vip, 30_000);
    const loop = startConnectLoop(c, vip, 6_000);
    await sleep(1_500);
    const at = monoNs();
    const node = c.nodes.find((n) => n.name === owner)!;
    await Promise.all([speakers.get(owner)!.stop('SIGKILL'), setNodeLink(c, node, false)]);
    const o = outageAfter(await loop.done, at);
    log(`image speakers, crash failover: gap ${o.gapMs.toFixed(0)} ms, ${o.failed} failed connects, ${o.before} → ${o.after}`);
    await setNodeLink(c, node, true);
    expect(o.before).toBe(owner);
    expect(o.after).not.toBe(owner);
    expect(o.after).not.toBeNull();
    // A generous bound for a shared 2-core machine; bench:failover measures the real figure.
    expect(o.gapMs).toBeLessThan(3_000);
    const next = speakers.get(o.after!)!;
    const elected = next.logLines().find((l) => l.event === 'ownerElected' && l.service === `${ns}/crash` && l.previousOwner === owner);
    expect(elected).toMatchObject({ owner: o.after, previousOwner: owner, reason: 'peer-dead', peer: owner });
    expect(next.logLines().some((l) => l.event === 'garpSent' && l.ip === vip)).toBe(true);
  });

  it('needed no permission beyond deploy/10-controller-rbac.yaml and deploy/30-speaker-rbac.yaml', () => {
    const denied = [controller!, ...speakers.values()].flatMap((p) => p.output().split('\n').filter((l) => /forbidden|HTTP-Code: 403|"code":403/i.test(l)));
    expect(denied).toEqual([]);
  });
});
