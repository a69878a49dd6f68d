// Which test runs each command the docs show. test/docs/commands.unit.test.ts fails when a
// page shows a command no entry claims, or when the claiming test no longer contains the
// marker that shows it runs that command.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { docCommands } from './commands.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** What test/e2e/kubectl-ironlb.e2e.test.ts runs: every command of docs/troubleshooting.md. */
const troubleshooting = new Set(docCommands(join(root, 'docs/troubleshooting.md'), 'docs/troubleshooting.md').map((c) => c.command));

/** Cluster-in-a-box and e2e commands, run as written by test/demo/docs-commands.demo.test.ts. */
export const clusterCommandPattern = /^(npm run cluster:(up|down)\b|IRONLB_E2E_REUSE=1 npx vitest run --project e2e )/;

export interface Claim {
  /** The command as the page shows it (placeholders included), or a pattern. */
  readonly command: string | RegExp | ((command: string) => boolean);
  /** Repository-relative file of the test (or CI script) that runs it. */
  readonly by: string;
  /** Text that file must contain, showing it runs this command. */
  readonly marker: string | RegExp;
}

export const claims: readonly Claim[] = [
  { command: 'bash .ci/setup && npm run demo', by: 'test/demo/demo.demo.test.ts', marker: "'run', '--silent', 'demo'" },
  { command: 'bash .ci/setup && npm run demo', by: '.ci/run', marker: 'bash .ci/setup' },
  { command: 'npm test', by: '.ci/run', marker: 'npm test' },
  { command: clusterCommandPattern, by: 'test/demo/docs-commands.demo.test.ts', marker: 'clusterCommandPattern.test(c.command)' },
  { command: (c) => troubleshooting.has(c), by: 'test/e2e/kubectl-ironlb.e2e.test.ts', marker: "docCommands(join(repoRoot, 'docs/troubleshooting.md')" },
  { command: 'kubectl apply -k deploy/', by: 'test/e2e/install.e2e.test.ts', marker: "['apply', '-k', join(repoRoot, 'deploy')]" },
  { command: 'kubectl apply -f examples/02-ipaddresspool.yaml -f examples/03-l2advertisement.yaml', by: 'test/e2e/crds.e2e.test.ts', marker: 'examples' },
];

/**
 * Commands the docs show that no test here can run, and why. Kept short on purpose: each
 * one is a gap, reported in the test output.
 */
export const notRunHere: readonly { readonly command: string | RegExp; readonly why: string }[] = [
  { command: /^docker build /, why: 'no Docker engine here; test/e2e/images.e2e.test.ts builds the same images from the Dockerfiles with umoci' },
  { command: /^helm install /, why: 'test/e2e/install.e2e.test.ts renders the chart with helm template and the API server accepts it (server-side dry run); a real install would fight the kustomize-installed objects of the shared cluster' },
  { command: /^kubectl (create|label) namespace metallb-system/, why: 'the namespace exists in every test cluster (deploy/00-namespace.yaml, with the same label)' },
  { command: /^kubectl logs /, why: 'no kubelet in the cluster-in-a-box, so no pod logs; the log fields these filters use are asserted by the speaker and controller e2e tests' },
  { command: /^kubectl get configmap kube-proxy .* \| sed /, why: 'the manual alternative to `kubectl ironlb preflight --fix`, which the kubectl-ironlb e2e test runs' },
  { command: 'kubectl -n kube-system rollout restart daemonset kube-proxy', why: 'no kube-proxy DaemonSet in the cluster-in-a-box' },
];
