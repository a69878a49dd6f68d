// Runs a container from one of our OCI images with runc, the way a kubelet would run the
// pod: the image's ENTRYPOINT, ENV and WORKDIR, a read-only root filesystem, exactly the
// capabilities the manifest grants, and (for hostNetwork) the node's network namespace.
// The image is unpacked once (cached beside its layout) and shared read-only by every
// container started from it.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type RunningComponent } from '../cluster/components.js';
import { run } from '../cluster/exec.js';
import type { BuiltImage } from './build.js';

interface RuntimeSpec {
  ociVersion: string;
  process: {
    terminal?: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities?: Record<'bounding' | 'effective' | 'inheritable' | 'permitted' | 'ambient', string[]>;
    noNewPrivileges?: boolean;
    [k: string]: unknown;
  };
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: { destination: string; type: string; source: string; options?: string[] }[];
  linux: { namespaces: { type: string; path?: string }[]; [k: string]: unknown };
  [k: string]: unknown;
}

export interface Unpacked {
  /** Absolute path of the unpacked root filesystem (shared, mounted read-only). */
  readonly rootfs: string;
  /** The runtime spec umoci generated from the image config (user, args, env, cwd). */
  readonly spec: RuntimeSpec;
  /** Bytes of the unpacked root filesystem. */
  readonly bytes: number;
}

/** Unpacks the image into a bundle beside its layout, once per image content. */
export async function unpackImage(img: BuiltImage): Promise<Unpacked> {
  const bundle = `${img.layout}.bundle`;
  if (!existsSync(`${bundle}.complete`)) {
    rmSync(bundle, { recursive: true, force: true });
    await run('umoci', ['unpack', '--image', `${img.layout}:${img.tag}`, bundle], { timeoutMs: 300_000 });
    writeFileSync(`${bundle}.complete`, '');
  }
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as RuntimeSpec;
  const du = await run('du', ['-sb', join(bundle, 'rootfs')]);
  return { rootfs: join(bundle, 'rootfs'), spec, bytes: Number(du.stdout.split(/\s/)[0]) };
}

export interface ContainerOptions {
  /** Unique container id (runc's state is keyed by it). */
  readonly id: string;
  /** Where this container's config.json goes (a fresh directory). */
  readonly bundleDir: string;
  /** Appended to the image's ENTRYPOINT + CMD, as a pod's `args` are. */
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Join this network namespace (/var/run/netns/<name>), like hostNetwork on that node;
   * `host` shares the caller's; default: a new, empty one.
   */
  readonly netns?: string;
  readonly hostname?: string;
  /** runAsUser; default: the image's USER. */
  readonly uid?: number;
  /** Capabilities added to an empty set, as `drop: [ALL], add: [...]` (names without CAP_). */
  readonly capabilities: readonly string[];
  /** Host directories bind-mounted read-only (credentials). */
  readonly readOnlyBinds?: readonly { readonly source: string; readonly destination: string }[];
}

export interface Container extends RunningComponent {
  readonly id: string;
}

/** Starts a container in the foreground; its stdout/stderr are the component's log. */
export function startContainer(image: Unpacked, o: ContainerOptions): Container {
  const spec = structuredClone(image.spec);
  const caps = o.capabilities.map((c) => `CAP_${c}`);
  spec.process.terminal = false;
  spec.process.args = [...spec.process.args, ...o.args];
  spec.process.env = [...spec.process.env.filter((e) => !e.startsWith('TERM=')), ...Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`)];
  if (o.uid !== undefined) spec.process.user = { uid: o.uid, gid: o.uid };
  // A root process keeps these across exec; ambient stays empty, as Kubernetes leaves it.
  spec.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] };
  spec.process.noNewPrivileges = true; // allowPrivilegeEscalation: false
  spec.root = { path: image.rootfs, readonly: true }; // readOnlyRootFilesystem: true
  if (o.hostname) spec.hostname = o.hostname;
  if (o.netns === 'host') spec.linux.namespaces = spec.linux.namespaces.filter((n) => n.type !== 'network');
  else if (o.netns) spec.linux.namespaces = spec.linux.namespaces.map((n) => (n.type === 'network' ? { type: 'network', path: `/var/run/netns/${o.netns}` } : n));
  for (const b of o.readOnlyBinds ?? []) spec.mounts.push({ destination: b.destination, type: 'bind', source: b.source, options: ['rbind', 'ro'] });
  mkdirSync(o.bundleDir, { recursive: true });
  writeFileSync(join(o.bundleDir, 'config.json'), JSON.stringify(spec, null, 2));
  const p = startProcess('runc', ['run', '--bundle', o.bundleDir, o.id], process.env);
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    // runc forwards the signals it gets, but SIGKILL cannot be forwarded: ask runc.
    await run('runc', ['kill', o.id, signal.replace(/^SIG/, '')], { allowFail: true });
    const t = setTimeout(() => void run('runc', ['kill', o.id, 'KILL'], { allowFail: true }), 10_000);
    const code = await p.exited;
    clearTimeout(t);
    await run('runc', ['delete', '--force', o.id], { allowFail: true });
    return code;
  };
  return Object.assign(p, { id: o.id, stop });
}

/** Removes containers left by a crashed run whose ids start with `prefix`. */
export async function removeContainers(prefix: string): Promise<void> {
  const r = await run('runc', ['list', '-q'], { allowFail: true });
  for (const id of r.stdout.split('\n').filter((l) => l.startsWith(prefix))) await run('runc', ['delete', '--force', id], { allowFail: true });
}
