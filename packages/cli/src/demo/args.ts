// `npm run demo [-- --keep | --down | --help]`. Pure.

export type DemoCommand = { readonly kind: 'run'; readonly keep: boolean } | { readonly kind: 'down' } | { readonly kind: 'help' };

export const USAGE = `usage: npm run demo [-- --keep | --down]
  (no flag)  build what is missing, bring up the cluster-in-a-box, install ironlb, show an
             IP assigned and announced, crash its node and show the failover; then remove it all
  --keep     leave the cluster, controller and speakers running; the last line is JSON
             (kubeconfig, nodes, client, Services)
  --down     remove what --keep left running`;

const FLAGS = ['keep', 'down'] as const;

/**
 * The command, or an error message naming the bad argument. `env` is npm's: without the
 * `--`, `npm run demo --keep` hands the flag to npm, which passes it on only as
 * `npm_config_keep=true` — run as asked rather than silently running (or, for --down,
 * starting) a different demo.
 */
export function parseDemoArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): DemoCommand | { readonly error: string } {
  const npmFlags = FLAGS.filter((f) => env[`npm_config_${f}`] === 'true' && env.npm_lifecycle_event === 'demo').map((f) => `--${f}`);
  let keep = false;
  let down = false;
  for (const a of [...npmFlags, ...argv]) {
    if (a === '--keep') keep = true;
    else if (a === '--down') down = true;
    else if (a === '--help' || a === '-h') return { kind: 'help' };
    else return { error: `unknown argument "${a}"` };
  }
  if (keep && down) return { error: '--keep and --down exclude each other' };
  return down ? { kind: 'down' } : { kind: 'run', keep };
}
