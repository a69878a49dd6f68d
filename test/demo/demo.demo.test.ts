// `npm run demo` as a user runs it: the real script as a child process (stdout not a TTY,
// so plain text), judged by what it prints and by what it leaves on the machine. It brings
// up its own cluster-in-a-box, so it runs after the e2e project, never beside it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clustersDir, down, listClusterIds, repoRoot } from '../cluster/cluster.js';
import { isAlive, run, runIn } from '../cluster/exec.js';
import { kubectl } from '../cluster/kubectl.js';
import { listLeftovers } from '../netlab/netlab.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function npmRunDemo(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.NO_COLOR;
    const child = spawn('npm', ['run', '--silent', 'demo', '--', ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      if (code !== 0) process.stderr.write(`demo ${args.join(' ')} exited ${code}:\n${stdout}\n${stderr}\n`);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the demo in its own process group and sends SIGINT to the group (a Ctrl-C) once stdout matches `at`. */
function interruptDemoAt(at: RegExp): Promise<Result & { signal: NodeJS.Signals | null; interruptedAfter: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.NO_COLOR;
    const child = spawn('npm', ['run', '--silent', 'demo'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let sentAt = -1;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (sentAt < 0 && at.test(stdout)) {
        sentAt = stdout.length;
        process.kill(-child.pid!, 'SIGINT');
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr, interruptedAfter: stdout.slice(Math.max(0, sentAt)) }));
  });
}

/** Processes running from a cluster's state (etcd, kube-apiserver, …): none may outlive the demo. */
async function clusterProcesses(): Promise<string[]> {
  const r = await run('ps', ['-eo', 'pid=,args='], { allowFail: true });
  return r.stdout.split('\n').filter((l) => l.includes(`${clustersDir()}/`) || /\b(speaker|controller)\/dist\/main\.js/.test(l));
}

const pidsIn = (out: string) => [...out.matchAll(/: pid (\d+)/g)].map((m) => Number(m[1]));

async function expectNothingLeft(pids: number[]): Promise<void> {
  expect(listClusterIds()).toEqual([]);
  expect(await listLeftovers()).toEqual({ netns: [], links: [] });
  expect(pids.filter(isAlive)).toEqual([]);
}

// Clusters someone else runs are not ours to remove (the demo refuses to start beside them).
const before = new Set(listClusterIds());
afterAll(async () => {
  // A failed assertion must not leave a kept demo behind for the next run.
  for (const id of listClusterIds()) if (!before.has(id)) await down(id);
});

describe('npm run demo', () => {
  it('assigns an IP, shows who announces it, crashes that node and draws, measures and explains the failover, then removes everything', async () => {
    const r = await npmRunDemo([]);
    expect(r.code).toBe(0);
    const out = r.stdout;
    process.stderr.write(out);
    expect(out).not.toContain('\x1b'); // not a TTY: no colour, no cursor movement
    const vip = /demo\/hello got (198\.51\.100\.\d+) from pool default-pool/.exec(out)?.[1];
    expect(vip).toBeDefined();
    const owner = new RegExp(`ServiceL2Status \\S+: (node-\\d) announces ${vip} on eth0`).exec(out)?.[1];
    expect(owner).toBeDefined();
    expect(out).toContain(`from the client: only ${owner} answers ARP for ${vip}, and a connect to it is served by ${owner}`);
    expect(out).toMatch(new RegExp(`${owner} ownerElected: ${owner} now owns ${vip} of demo/hello`));

    // The timeline: rows of 10 ms cells labelled relative to the crash, the crash marked,
    // the old owner's symbol before it, failed cells, then the new owner's symbol.
    const fo = /failover: (node-(\d)) → (node-(\d)), gap (\d+) ms/.exec(out);
    expect(fo).not.toBeNull();
    const [, oldOwner, oldSym, newOwner, newSym, gap] = fo!;
    expect(oldOwner).toBe(owner);
    expect(newOwner).not.toBe(oldOwner);
    expect(Number(gap)).toBeGreaterThan(0);
    expect(out).toContain(`old owner ${oldOwner}, new owner ${newOwner}`);
    const rows = out.split('\n').filter((l) => /^\s+[+-]\d+\.\d\ds [0-9x.? ]+$/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const cells = rows.map((l) => l.trim().split(' ').slice(1).join('')).join('');
    expect(cells).toMatch(new RegExp(`^[${oldSym}.]+x`));
    expect(cells).toMatch(new RegExp(`${newSym}\\.*$`));
    expect(out).toMatch(/\n\s+\^ crash\n/);
    expect(out).toMatch(/after the crash: \d+ connects, [1-9]\d* failed/);

    // Why, from the speakers' logs: the dead peer detected and the new owner's election.
    expect(out).toMatch(new RegExp(`${newOwner} peerDead: peer ${oldOwner} is dead.*detectMs=\\d+`));
    expect(out).toMatch(new RegExp(`${newOwner} ownerElected: ${newOwner} now owns ${vip} of demo/hello \\(was ${oldOwner}; peer-dead ${oldOwner}.*previousOwner=${oldOwner} reason=peer-dead peer=${oldOwner}`));
    expect(out).toMatch(new RegExp(`${newOwner} garpSent: gratuitous ARP sent for ${vip}`));

    // How to explore.
    expect(out).toMatch(/export KUBECONFIG=\/\S+admin\.kubeconfig/);
    expect(out).toContain('kubectl get ipaddresspools,servicel2statuses -A');
    expect(out).toContain('kubectl ironlb status');

    expect(out).toMatch(/cluster \w{5} removed/);
    const pids = pidsIn(out);
    expect(pids).toHaveLength(4); // the controller and three speakers
    await expectNothingLeft(pids);
  });

  it.each([
    ['while the cluster comes up (etcd and kube-apiserver starting)', /cluster: starting kube-apiserver/],
    ['while the owner is crashed under traffic', /after 1\.5 s: SIGKILL/],
  ])('Ctrl-C %s: exits on SIGINT, stops telling the story and leaves nothing behind', async (_when, at) => {
    const r = await interruptDemoAt(at);
    // The demo exits 130; npm, Ctrl-C'd too, waits for it and then dies of the same SIGINT (a shell shows 130 either way).
    expect(r.code === 130 || r.signal === 'SIGINT', `exit ${r.code} ${r.signal}`).toBe(true);
    expect(r.stderr).toContain('demo: SIGINT: tearing down');
    expect(r.interruptedAfter).not.toMatch(/failover|before the crash|demo failed|\d+\/9 /);
    await expectNothingLeft(pidsIn(r.stdout));
    expect(await clusterProcesses()).toEqual([]);
  });

  it('--keep leaves it running and ends on one JSON line; --down removes it all', async () => {
    const r = await npmRunDemo(['--keep']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('{'))).toHaveLength(1);
    const kept = JSON.parse(lines.at(-1)!) as {
      id: string;
      kubeconfig: string;
      kubectl: string;
      nodes: { name: string; netns: string; ip: string }[];
      client: { netns: string; ip: string };
      services: { namespace: string; name: string; ips: string[] }[];
    };
    expect(kept.nodes.map((n) => n.name)).toEqual(['node-1', 'node-2', 'node-3']);
    for (const ns of [...kept.nodes.map((n) => n.netns), kept.client.netns]) expect(existsSync(`/run/netns/${ns}`)).toBe(true);
    expect(kept.services).toEqual([{ namespace: 'demo', name: 'hello', ips: [expect.stringMatching(/^198\.51\.100\.\d+$/)] }]);
    const vip = kept.services[0]!.ips[0]!;

    // Still working after the demo exited: the speakers announce, the client is served.
    const state = JSON.parse(readFileSync(join(clustersDir(), kept.id, 'state.json'), 'utf8')) as { componentPids: Record<string, number>; ownerPid?: number };
    expect(Object.keys(state.componentPids).sort()).toEqual(['controller', 'speaker-node-1', 'speaker-node-2', 'speaker-node-3']);
    expect(Object.values(state.componentPids).every(isAlive)).toBe(true);
    expect(state.ownerPid).toBeUndefined();
    const t = { kubectl: kept.kubectl, kubeconfig: kept.kubeconfig };
    const l2 = await kubectl(t, ['get', 'servicel2statuses', '-n', 'metallb-system', '-o', 'jsonpath={.items[*].status.node}']);
    expect(l2.stdout).toMatch(/^node-\d$/);
    const served = await runIn(kept.client.netns, 'curl', ['-s', '-m', '2', `http://${vip}/`]);
    expect(served.stdout.trim()).toBe(l2.stdout);
    // What it printed last about the owner is what the cluster and the client see now.
    expect(r.stdout).toContain(`announces ${vip} now`);
    expect(new RegExp(`(node-\\d) announces ${vip.replaceAll('.', '\\.')} now`).exec(r.stdout)?.[1]).toBe(l2.stdout);

    // The exploration hints, copy-pasted into a shell as printed, work.
    const hints = r.stdout.split('\n').map((l) => l.trim()).filter((l) => /^(export |kubectl |ip netns exec )/.test(l));
    expect(hints.join('\n')).not.toMatch(/<[^>]+>/); // no placeholders left to fill in
    const shell = await run('bash', ['-euo', 'pipefail', '-c', hints.map((h) => h.replace(/\s+#.*$/, '')).join('\n')], { allowFail: true });
    expect(shell.code, shell.stderr).toBe(0);
    expect(shell.stdout).toMatch(/default-pool/);
    expect(shell.stdout).toMatch(new RegExp(`demo\\s+hello\\s+${vip.replaceAll('.', '\\.')}`)); // kubectl ironlb status: one row for demo/hello

    const d = await npmRunDemo(['--down']);
    expect(d.code).toBe(0);
    expect(d.stdout).toContain('removed 1 demo cluster');
    await expectNothingLeft([...Object.values(state.componentPids), ...pidsIn(r.stdout)]);
    // Nothing more to remove: says so, still succeeds.
    expect((await npmRunDemo(['--down'])).stdout).toContain('no demo cluster was running');
  });
});
