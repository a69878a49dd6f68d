// Proves the metallb.io/v1beta1 CRDs against a real kube-apiserver: they install, every
// example applies, kubectl shows the printer columns, MetalLB's own manifests apply
// unchanged, and bad pools / advertisements are refused at apply time with a message that
// names the field and the offending value (no webhook involved).
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { kubectlFor } from './fixtures/kubectl.js';

const cluster = inject('cluster');
const k = kubectlFor(cluster);
const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'test/e2e/fixtures');
// Unique per run so a crashed run never collides with the next one.
const ns = `crds-e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const crdNames = ['ipaddresspools.metallb.io', 'l2advertisements.metallb.io', 'servicel2statuses.metallb.io'];

/** One object of a manifest, enough to look it up and delete it. */
interface ObjRef {
  kind: string;
  name: string;
  namespace: string | undefined;
}

async function readObjects(file: string): Promise<ObjRef[]> {
  const docs = parseAllDocuments(await readFile(file, 'utf8'));
  const out: ObjRef[] = [];
  for (const doc of docs) {
    const o = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
    if (!o?.kind || !o.metadata?.name) continue;
    // Namespaced objects without a namespace land in the kubeconfig's namespace: default.
    const namespace = o.kind === 'Namespace' ? undefined : (o.metadata.namespace ?? 'default');
    out.push({ kind: o.kind, name: o.metadata.name, namespace });
  }
  return out;
}

const nsArgs = (o: ObjRef) => (o.namespace ? ['-n', o.namespace] : []);

async function exists(o: ObjRef): Promise<boolean> {
  const r = await k(['get', o.kind, o.name, ...nsArgs(o), '--ignore-not-found', '-o', 'name']);
  if (r.code !== 0) throw new Error(`kubectl get ${o.kind} ${o.name} failed: ${r.stderr}`);
  return r.stdout.trim() !== '';
}

// Objects this file created outside its own namespace (metallb-system, default). Only
// these are deleted afterwards, so a cluster that already had some of them keeps them.
const created: ObjRef[] = [];

/** Records the objects of `file` that do not exist yet, then applies it. */
async function applyTracked(file: string): Promise<void> {
  for (const o of await readObjects(file)) {
    if (!(await exists(o)) && !created.some((c) => c.kind === o.kind && c.name === o.name && c.namespace === o.namespace)) {
      created.push(o);
    }
  }
  await k.ok(['apply', '-f', file]);
}

/** Splits `kubectl get` table output into rows keyed by header, using the header offsets. */
function parseTable(text: string): { headers: string[]; rows: Record<string, string>[] } {
  const [head = '', ...lines] = text.split('\n').filter((l) => l.trim() !== '');
  const headers = head.trim().split(/\s{2,}/);
  let from = 0;
  const starts = headers.map((h) => (from = head.indexOf(h, from)));
  const rows = lines.map((line) =>
    Object.fromEntries(headers.map((h, i) => [h, line.slice(starts[i], starts[i + 1] ?? line.length).trim()])),
  );
  return { headers, rows };
}

beforeAll(async () => {
  await k.ok(['create', 'namespace', ns]);
});

afterAll(async () => {
  // Runs even when tests failed. Namespaced objects first, namespaces last; --wait=false
  // because the namespace controller finishes the job in the background.
  const ordered = [...created].reverse().sort((a, b) => Number(a.kind === 'Namespace') - Number(b.kind === 'Namespace'));
  for (const o of ordered) {
    await k(['delete', o.kind, o.name, ...nsArgs(o), '--ignore-not-found', '--wait=false']);
  }
  await k(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']);
});

describe('CRDs', () => {
  it('are up to date with crds/generate.mjs', async () => {
    const r = await promisify(execFile)(process.execPath, [join(root, 'crds/generate.mjs'), '--check']).then(
      () => '',
      (e: { stderr?: string }) => e.stderr ?? String(e),
    );
    expect(r).toBe('');
  });

  it('install from crds/ and become Established', async () => {
    await k.ok(['apply', '-f', join(root, 'crds')]);
    await k.ok(['wait', '--for=condition=Established', '--timeout=60s', ...crdNames.map((n) => `crd/${n}`)]);
    type Crd = {
      spec: {
        group: string;
        scope: string;
        versions: { name: string; served: boolean; storage: boolean; subresources?: { status?: object } }[];
      };
    };
    for (const name of crdNames) {
      const crd = JSON.parse(await k.ok(['get', 'crd', name, '-o', 'json'])) as Crd;
      expect(crd.spec.group, name).toBe('metallb.io');
      expect(crd.spec.scope, name).toBe('Namespaced');
      expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage, v.subresources?.status !== undefined])).toEqual([
        ['v1beta1', true, true, true],
      ]);
    }
  });

  it('accept every file in examples/, applied in lexical order', async () => {
    const dir = join(root, 'examples');
    const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
    expect(files[0]).toBe('01-namespace.yaml');
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const f of files) await applyTracked(join(dir, f));
    for (const f of files) {
      for (const o of await readObjects(join(dir, f))) expect(await exists(o), `${f}: ${o.kind}/${o.name}`).toBe(true);
    }
  });

  it('show pool printer columns in kubectl get ipaddresspools -n metallb-system', async () => {
    const t = parseTable(await k.ok(['get', 'ipaddresspools', '-n', 'metallb-system']));
    expect(t.headers).toEqual([
      'NAME',
      'AUTO ASSIGN',
      'AVOID BUGGY IPS',
      'ADDRESSES',
      'ASSIGNED IPV4',
      'ASSIGNED IPV6',
      'AVAILABLE IPV4',
      'AVAILABLE IPV6',
      'AGE',
    ]);
    const pool = t.rows.find((r) => r.NAME === 'default-pool');
    expect(pool).toMatchObject({
      'AUTO ASSIGN': 'true',
      'AVOID BUGGY IPS': 'false',
      ADDRESSES: '["198.51.100.200-198.51.100.229"]',
    });
  });

  it('show pool status (int64 counters) through the status subresource', async () => {
    await k.ok(['apply', '-n', ns, '-f', join(fixtures, 'valid/host-bits.yaml')]);
    // A huge IPv6 pool reports at most 2^63-1 available addresses; the schema must hold it.
    // (Written as text: a JS number cannot represent 2^63-1.)
    const patch = '{"status":{"assignedIPv4":1,"assignedIPv6":0,"availableIPv4":255,"availableIPv6":9223372036854775807}}';
    await k.ok(['patch', 'ipaddresspool', 'host-bits', '-n', ns, '--subresource=status', '--type=merge', '-p', patch]);
    const t = parseTable(await k.ok(['get', 'ipaddresspools', 'host-bits', '-n', ns]));
    expect(t.rows[0]).toMatchObject({
      'ASSIGNED IPV4': '1',
      'ASSIGNED IPV6': '0',
      'AVAILABLE IPV4': '255',
      'AVAILABLE IPV6': '9223372036854775807',
    });
  });

  it('show advertisement printer columns', async () => {
    const t = parseTable(await k.ok(['get', 'l2advertisements', '-n', 'metallb-system']));
    expect(t.headers).toEqual(['NAME', 'IPADDRESSPOOLS', 'IPADDRESSPOOL SELECTORS', 'INTERFACES', 'NODE SELECTORS', 'AGE']);
    expect(t.rows.find((r) => r.NAME === 'edge')).toMatchObject({ IPADDRESSPOOLS: '["edge"]', INTERFACES: '["eth0"]' });
  });

  it('show ServiceL2Status columns and keep its identity fields immutable', async () => {
    const manifest = 'apiVersion: metallb.io/v1beta1\nkind: ServiceL2Status\nmetadata:\n  name: l2-hello\n';
    await k.ok(['apply', '-n', ns, '-f', '-'], { input: manifest });
    const status = { node: 'node-1', serviceName: 'hello', serviceNamespace: 'default', interfaces: [{ name: 'eth0' }] };
    const patchStatus = (s: object) =>
      k(['patch', 'servicel2status', 'l2-hello', '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: s })]);
    expect((await patchStatus(status)).code).toBe(0);
    const t = parseTable(await k.ok(['get', 'servicel2statuses', '-n', ns]));
    expect(t.headers).toEqual(['NAME', 'SERVICE', 'SERVICE NAMESPACE', 'NODE', 'AGE']);
    expect(t.rows[0]).toMatchObject({ NAME: 'l2-hello', SERVICE: 'hello', 'SERVICE NAMESPACE': 'default', NODE: 'node-1' });
    // A new announcing node means a new object (as in MetalLB), never a rewrite.
    const moved = await patchStatus({ node: 'node-2' });
    expect(moved.code).not.toBe(0);
    expect(moved.stderr).toContain('status.node: Invalid value: "node-2": is immutable: was "node-1", got "node-2"');
  });

  it('accept a MetalLB layer-2 manifest unchanged, with MetalLB defaults', async () => {
    const file = join(fixtures, 'metallb-style.yaml');
    const system: ObjRef = { kind: 'Namespace', name: 'metallb-system', namespace: undefined };
    if (!(await exists(system))) {
      created.push(system);
      await k.ok(['create', 'namespace', 'metallb-system']);
    }
    await applyTracked(file);
    const pool = JSON.parse(await k.ok(['get', 'ipaddresspool', 'first-pool', '-n', 'metallb-system', '-o', 'json'])) as {
      spec: Record<string, unknown>;
    };
    expect(pool.spec).toEqual({ addresses: ['198.51.100.200-198.51.100.250'], autoAssign: true, avoidBuggyIPs: false });
    expect(await exists({ kind: 'L2Advertisement', name: 'example', namespace: 'metallb-system' })).toBe(true);
  });

  it('accept CIDRs with host bits set, stored as written', async () => {
    await k.ok(['apply', '-n', ns, '-f', join(fixtures, 'valid/host-bits.yaml')]);
    const pool = JSON.parse(await k.ok(['get', 'ipaddresspool', 'host-bits', '-n', ns, '-o', 'json'])) as {
      spec: { addresses: string[] };
    };
    expect(pool.spec.addresses).toEqual(['198.51.100.5/24', '2001:db8:1::5/64']);
  });

  it('accept valid edge cases (spaces in ranges, numeric order, adjacency, all selector operators)', async () => {
    const r = await k(['apply', '-n', ns, '-f', join(fixtures, 'valid/edge-cases.yaml')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

// Every rejection must say where (path) and what (value). `also` pins the explanation.
interface InvalidCase {
  file: string;
  path: string;
  value: string;
  also?: string;
}

const invalid: InvalidCase[] = [
  { file: 'pool-empty-addresses.yaml', path: 'spec.addresses: Required value', value: 'got []', also: 'at least one CIDR or range' },
  { file: 'pool-bad-cidr.yaml', path: 'spec.addresses[0]', value: '"198.51.100.0/33"', also: 'is neither a CIDR' },
  { file: 'pool-single-address.yaml', path: 'spec.addresses[0]', value: '"198.51.100.7"', also: 'write "198.51.100.7/32"' },
  {
    file: 'pool-bad-range-start.yaml',
    path: 'spec.addresses[0]',
    value: '"198.51.100.300-198.51.100.310"',
    also: 'invalid start address "198.51.100.300"',
  },
  {
    file: 'pool-bad-range-end.yaml',
    path: 'spec.addresses[0]',
    value: '"198.51.100.10-198.51.100.20-198.51.100.30"',
    also: 'invalid end address "198.51.100.20-198.51.100.30" (a range has exactly one "-")',
  },
  {
    file: 'pool-range-backwards-v4.yaml',
    path: 'spec.addresses[0]',
    value: '"198.51.100.10-198.51.100.9"',
    also: 'is backwards: start "198.51.100.10" is after end "198.51.100.9"',
  },
  {
    file: 'pool-range-backwards-v6.yaml',
    path: 'spec.addresses[0]',
    value: '"2001:db8::ff - 2001:db8::1"',
    also: 'is backwards: start "2001:db8::ff" is after end "2001:db8::1"',
  },
  {
    file: 'pool-range-mixed-families.yaml',
    path: 'spec.addresses[0]',
    value: '"198.51.100.10-2001:db8::10"',
    also: 'mixes address families: start "198.51.100.10" is IPv4, end "2001:db8::10" is IPv6',
  },
  { file: 'pool-duplicate-address.yaml', path: 'spec.addresses[1]', value: 'Duplicate value: "198.51.100.0/28"' },
  {
    file: 'pool-overlapping-cidrs.yaml',
    path: 'spec.addresses: Invalid value',
    value: 'entries overlap: "198.51.100.0/24" and "198.51.100.128/25"',
  },
  {
    file: 'pool-overlapping-cidr-and-range.yaml',
    path: 'spec.addresses: Invalid value',
    value: 'entries overlap: "203.0.113.0/28" and "203.0.113.10-203.0.113.20"',
  },
  {
    file: 'pool-negative-priority.yaml',
    path: 'spec.serviceAllocation.priority',
    value: 'Invalid value: -1',
    also: 'greater than or equal to 0',
  },
  {
    file: 'pool-bad-namespace-name.yaml',
    path: 'spec.serviceAllocation.namespaces[0]',
    value: '"Team_A"',
    also: 'is not a valid namespace name',
  },
  {
    file: 'pool-selector-bad-operator.yaml',
    path: 'spec.serviceAllocation.namespaceSelectors[0].matchExpressions[0].operator',
    value: 'Unsupported value: "Equals"',
    also: 'supported values: "In", "NotIn", "Exists", "DoesNotExist"',
  },
  {
    file: 'pool-selector-in-without-values.yaml',
    path: 'spec.serviceAllocation.serviceSelectors[0].matchExpressions[0].values',
    value: 'operator In on key "tier"',
    also: 'needs at least one value, got none',
  },
  { file: 'adv-duplicate-pool.yaml', path: 'spec.ipAddressPools[1]', value: 'Duplicate value: "default-pool"' },
  { file: 'adv-bad-pool-name.yaml', path: 'spec.ipAddressPools[0]', value: '"Pool_A"', also: 'is not a valid IPAddressPool name' },
  {
    file: 'adv-interface-with-slash.yaml',
    path: 'spec.interfaces[0]',
    value: '"eth0/1"',
    also: 'is not a valid Linux interface name',
  },
  {
    file: 'adv-interface-too-long.yaml',
    path: 'spec.interfaces[0]',
    value: '"enp0s31f6-uplink0"',
    also: '1 to 15 bytes',
  },
  {
    file: 'adv-selector-exists-with-values.yaml',
    path: 'spec.nodeSelectors[0].matchExpressions[0].values: Forbidden',
    value: 'operator Exists on key "example.com/edge-router" takes no values, got ["true"]',
  },
  {
    file: 'adv-selector-bad-label-key.yaml',
    path: 'spec.nodeSelectors[0].matchLabels',
    value: 'matchLabels key "example.com/edge/router"',
    also: 'is not a valid label key',
  },
  {
    file: 'adv-selector-bad-label-value.yaml',
    path: 'spec.serviceSelectors[0].matchLabels[app]',
    value: '"hello world"',
    also: 'is not a valid label value',
  },
  {
    file: 'adv-selector-bad-values-item.yaml',
    path: 'spec.ipAddressPoolSelectors[0].matchExpressions[0].values[1]',
    value: 'Invalid value: "not valid!"',
  },
];

describe('invalid pools and advertisements', () => {
  it('cover at least 15 fixtures, one per file in fixtures/invalid', async () => {
    const files = (await readdir(join(fixtures, 'invalid'))).filter((f) => f.endsWith('.yaml')).sort();
    expect(invalid.map((c) => c.file).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it.each(invalid)('refuse $file, naming the field and the value', async ({ file, path, value, also }) => {
    const full = join(fixtures, 'invalid', file);
    const r = await k(['apply', '-n', ns, '-f', full]);
    expect(r.code, r.stdout).not.toBe(0);
    expect(r.stderr).toContain(path);
    expect(r.stderr).toContain(value);
    if (also) expect(r.stderr).toContain(also);
    // Nothing half-applied: the object does not exist afterwards.
    for (const o of await readObjects(full)) expect(await exists({ ...o, namespace: ns })).toBe(false);
  });
});
