// Builds the controller's and speaker's OCI images without a Docker daemon or a registry
// (facts in /work/shared/design/images.md): a Debian bookworm minbase root filesystem
// (what node:20-bookworm-slim is), the machine's Node 20 as /usr/local/bin/node (where
// the node image has it), then one layer holding what the Dockerfile's final stage COPYs,
// and the config (USER, ENTRYPOINT, CMD, WORKDIR, ENV, LABEL, EXPOSE) read from the
// Dockerfile itself, so the two cannot drift.
//
// Everything is cached under ~/.cache/ironlb/images (IRONLB_IMAGE_CACHE): the root
// filesystem, the base layers, each component's production node_modules (the Dockerfile's
// deps stage, run as written; keyed by its inputs) and the finished image (keyed by
// everything in it). A warm build with
// unchanged sources does no work; a changed dist/ costs one small layer.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { repoRoot } from '../cluster/cluster.js';
import { run } from '../cluster/exec.js';
import { parseDockerfile, type BuildStage, type FinalStage } from './dockerfile.js';

export type Component = 'controller' | 'speaker';

export interface LayerInfo {
  readonly digest: string;
  /** Compressed (gzip) size in bytes, as stored and pulled. */
  readonly size: number;
}

export interface BuiltImage {
  readonly component: Component;
  /** OCI image layout directory. */
  readonly layout: string;
  readonly tag: string;
  /** `oci:<layout>:<tag>`, for skopeo. */
  readonly ref: string;
  readonly dockerfile: FinalStage;
  /** Whether this call built anything, or found the image cached. */
  readonly cached: boolean;
  readonly ms: number;
}

/** The machine's Node binary that goes into the images (its ABI matches the built addon). */
export const nodeBinary = '/usr/bin/node';
const nodeInImage = '/usr/local/bin/node';
/** Docker's default PATH, which the node base image keeps. */
const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const cacheRoot = (): string => process.env.IRONLB_IMAGE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ironlb/images');

const sha = (...parts: (string | Buffer)[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
};

export const dockerfilePath = (c: Component): string => join(repoRoot, 'packages', c, 'Dockerfile');

/** Builds (or finds cached) the base layout: root filesystem and Node, tagged "base". */
async function baseLayout(log: (m: string) => void): Promise<{ dir: string; key: string }> {
  const rootfs = (await run('bash', [join(repoRoot, 'test/images/build-rootfs.sh')], { timeoutMs: 600_000 })).stdout.trim().split('\n').at(-1)!;
  const st = statSync(nodeBinary);
  const key = sha(rootfs, String(st.size), String(st.mtimeMs));
  const dir = join(cacheRoot(), `base-${key}`);
  if (existsSync(join(dir, 'index.json')) && existsSync(`${dir}.complete`)) return { dir, key };
  log(`images: base layers (bookworm minbase + ${nodeBinary} as ${nodeInImage})`);
  rmSync(dir, { recursive: true, force: true });
  await run('umoci', ['init', '--layout', dir]);
  await run('umoci', ['new', '--image', `${dir}:base`]);
  await run('umoci', ['insert', '--image', `${dir}:base`, '--history.created_by', 'debootstrap --variant=minbase bookworm (trimmed: test/images/build-rootfs.sh)', rootfs, '/'], { timeoutMs: 300_000 });
  await run('umoci', ['insert', '--image', `${dir}:base`, '--history.created_by', `${nodeBinary} (${process.version})`, nodeBinary, nodeInImage], { timeoutMs: 300_000 });
  writeFileSync(`${dir}.complete`, '');
  return { dir, key };
}

/**
 * Runs a Dockerfile stage that only needs files from the build context and Node/npm: its
 * COPY instructions, then its RUN commands, in a directory standing for the stage's root
 * (the image test uses it for the `deps` stage: `npm ci --omit=dev ...` as written there).
 * Cached by everything that goes in. Returns the directory standing for the stage's `/`.
 */
async function runContextStage(c: Component, stage: BuildStage, log: (m: string) => void): Promise<string> {
  const sources = stage.copies.flatMap((cp) => {
    if (cp.from !== undefined) throw new Error(`packages/${c}/Dockerfile, stage ${stage.name}: COPY --from=${cp.from} is not supported in a stage the image test runs`);
    return cp.sources.map((src) => ({ src, dest: cp.dest }));
  });
  const key = sha(c, stage.name, JSON.stringify(stage), ...sources.map(({ src }) => (statSync(join(repoRoot, src)).isFile() ? readFileSync(join(repoRoot, src)) : src)));
  const root = join(cacheRoot(), `${stage.name}-${c}-${key}`);
  if (existsSync(`${root}.complete`)) return root;
  log(`images: stage ${stage.name} of packages/${c}/Dockerfile (${stage.runs.length} RUN)`);
  rmSync(root, { recursive: true, force: true });
  for (const { src, dest } of sources) {
    if (!statSync(join(repoRoot, src)).isFile()) throw new Error(`packages/${c}/Dockerfile, stage ${stage.name}: COPY ${src}: only files are supported in a stage the image test runs`);
    // `COPY a b dir/` puts each file into dir/; a destination without a slash is the file.
    const to = dest.endsWith('/') ? join(root, dest, basename(src)) : join(root, dest);
    mkdirSync(dirname(to), { recursive: true });
    cpSync(join(repoRoot, src), to);
  }
  const cwd = join(root, stage.workdir);
  mkdirSync(cwd, { recursive: true });
  for (const cmd of stage.runs) {
    // npm's cache makes a warm machine need no network.
    await run('bash', ['-ec', 'cd "$1"; eval "$2"', 'stage', cwd, cmd], { env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_loglevel: 'error' }, timeoutMs: 300_000 });
  }
  writeFileSync(`${root}.complete`, '');
  for (const e of readdirSync(cacheRoot())) {
    if (e.startsWith(`${stage.name}-${c}-`) && !e.startsWith(`${stage.name}-${c}-${key}`)) rmSync(join(cacheRoot(), e), { recursive: true, force: true });
  }
  return root;
}

/**
 * The outputs of the Dockerfile's earlier stages, as local directories keyed by stage:
 * `build` gets /out/packages (package.json and dist/ of core and the component, the
 * speaker's addon), as its RUN step copies them; `deps` gets /out/node_modules.
 */
function stageOutputs(c: Component, deps: string, into: string): Record<string, string> {
  // The build stage (npm ci with dev dependencies, tsc, node-gyp) is what `npm run build`
  // and npm ci already did in this checkout: its outputs are taken from there.
  const build = join(into, 'build');
  for (const p of ['core', c]) {
    const src = join(repoRoot, 'packages', p);
    const dst = join(build, 'out/packages', p);
    if (!existsSync(join(src, 'dist'))) throw new Error(`images: ${src}/dist is missing: run npm run build first`);
    mkdirSync(dst, { recursive: true });
    cpSync(join(src, 'package.json'), join(dst, 'package.json'));
    cpSync(join(src, 'dist'), join(dst, 'dist'), { recursive: true, filter: (f) => !f.endsWith('.tsbuildinfo') });
  }
  if (c === 'speaker') {
    const addon = 'build/Release/ironlb_packet.node';
    mkdirSync(join(build, 'out/packages/speaker', dirname(addon)), { recursive: true });
    cpSync(join(repoRoot, 'packages/speaker', addon), join(build, 'out/packages/speaker', addon));
  }
  return { build, deps };
}

/** Content hash of a directory tree (names, modes, symlink targets and bytes). */
function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        h.update(`d ${r}\0`);
        walk(p, r);
      } else if (e.isSymbolicLink()) h.update(`l ${r}\0`);
      else h.update(`f ${r} ${statSync(p).mode}\0`).update(readFileSync(p));
    }
  };
  walk(dir, '');
  return h.digest('hex').slice(0, 16);
}

/**
 * Builds the component's image (or returns the cached one). Needs root (debootstrap) and
 * the built dist/ (`npm run build`). `log` gets one line per step that does real work.
 */
export async function buildImage(c: Component, log: (m: string) => void = () => {}): Promise<BuiltImage> {
  const t0 = Date.now();
  const dockerfile = parseDockerfile(readFileSync(dockerfilePath(c), 'utf8'), `packages/${c}/Dockerfile`);
  const tag = dockerfile.labels['org.opencontainers.image.version'] ?? 'latest';
  const base = await baseLayout(log);
  const depsStage = dockerfile.earlier.find((st) => st.name === 'deps');
  if (!depsStage) throw new Error(`packages/${c}/Dockerfile: no stage named deps (the production node_modules)`);
  const deps = await runContextStage(c, depsStage, log);
  const work = join(cacheRoot(), `work-${c}-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  try {
    // The final stage's files: each COPY --from=<stage> <src> <dest>, as Docker applies it
    // (a directory source copies its contents into dest).
    const stages = stageOutputs(c, deps, join(work, 'stages'));
    const app = join(work, 'app');
    for (const cp of dockerfile.copies) {
      if (cp.from === undefined || !(cp.from in stages)) throw new Error(`packages/${c}/Dockerfile: COPY ${cp.from ? `--from=${cp.from} ` : ''}${cp.sources.join(' ')}: the image test only knows the stages ${Object.keys(stages).join(', ')}`);
      for (const src of cp.sources) {
        const from = join(stages[cp.from]!, src.replace(/^\//, ''));
        if (!existsSync(from)) throw new Error(`packages/${c}/Dockerfile: COPY --from=${cp.from} ${src}: the stage produces no ${src}`);
        cpSync(from, join(app, cp.dest), { recursive: true, verbatimSymlinks: true });
      }
    }
    const key = sha(base.key, readFileSync(dockerfilePath(c)), treeHash(app));
    const layout = join(cacheRoot(), `${c}-${key}`);
    const done = { component: c, layout, tag, ref: `oci:${layout}:${tag}`, dockerfile };
    if (existsSync(`${layout}.complete`)) return { ...done, cached: true, ms: Date.now() - t0 };
    log(`images: ${c} layer and config`);
    // Blobs are immutable and content-addressed: a hard-linked copy of the base is safe.
    const tmp = `${layout}.partial`;
    rmSync(tmp, { recursive: true, force: true });
    await run('cp', ['-al', base.dir, tmp]);
    // ...but not index.json, which umoci rewrites: the base keeps its own.
    await run('cp', ['--remove-destination', join(base.dir, 'index.json'), join(tmp, 'index.json')]);
    const img = `${tmp}:${tag}`;
    await run('umoci', ['insert', '--image', `${tmp}:base`, '--tag', tag, '--history.created_by', `COPY (packages/${c}/Dockerfile final stage)`, app, '/'], { timeoutMs: 300_000 });
    const cfg = ['config', '--image', img, '--history.created_by', `config from packages/${c}/Dockerfile`, '--clear=config.env', '--clear=config.labels', '--clear=config.entrypoint', '--clear=config.cmd', '--clear=config.exposedports'];
    cfg.push('--config.env', `PATH=${defaultPath}`);
    for (const [k, v] of Object.entries(dockerfile.env)) cfg.push('--config.env', `${k}=${v}`);
    for (const [k, v] of Object.entries(dockerfile.labels)) cfg.push('--config.label', `${k}=${v}`);
    for (const a of dockerfile.entrypoint ?? []) cfg.push('--config.entrypoint', a);
    for (const a of dockerfile.cmd ?? []) cfg.push('--config.cmd', a);
    for (const p of dockerfile.exposed) cfg.push('--config.exposedports', p);
    if (dockerfile.user) cfg.push('--config.user', dockerfile.user);
    cfg.push('--config.workingdir', dockerfile.workdir);
    await run('umoci', cfg);
    await run('umoci', ['rm', '--image', `${tmp}:base`]);
    await run('umoci', ['gc', '--layout', tmp]);
    rmSync(layout, { recursive: true, force: true });
    renameSync(tmp, layout);
    writeFileSync(`${layout}.complete`, '');
    // Older builds of this component (and their unpacked bundles) are dead weight.
    const mine = new RegExp(`^${c}-[0-9a-f]{16}(\\.complete|\\.bundle|\\.bundle\\.complete)?$`);
    for (const e of readdirSync(cacheRoot())) {
      if (mine.test(e) && !e.startsWith(`${c}-${key}`)) rmSync(join(cacheRoot(), e), { recursive: true, force: true });
    }
    return { ...done, cached: false, ms: Date.now() - t0 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
