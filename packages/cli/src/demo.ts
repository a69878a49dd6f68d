// `npm run demo [-- --keep | --down]`: ironlb end to end on the cluster-in-a-box — an IP
// assigned, the node announcing it, that node crashed under client traffic and the
// failover drawn, measured and explained (packages/cli/src/demo/). Exit codes: 0 done,
// 1 failed (the reason on stderr; nothing left behind), 2 bad arguments, 130 Ctrl-C.
import { parseDemoArgs, USAGE } from './demo/args.js';
import { Demo, DemoError, downDemo, steps } from './demo/run.js';
import { makeStyle, wantsColor } from './demo/style.js';
import { Ui } from './demo/ui.js';

const cmd = parseDemoArgs(process.argv.slice(2), process.env);
if ('error' in cmd) {
  process.stderr.write(`demo: ${cmd.error}\n${USAGE}\n`);
  process.exit(2);
}
if (cmd.kind === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const style = makeStyle(wantsColor(process.stdout.isTTY, process.env));
const fail = (m: string) => process.stderr.write(`${style.fail('demo failed:')} ${m}\n`);

if (cmd.kind === 'down') {
  if (process.getuid?.() !== 0) {
    fail('removing the demo needs root (network namespaces): sudo npm run demo -- --down');
    process.exit(1);
  }
  const ui = new Ui(style, 1);
  ui.step('removing what npm run demo -- --keep left running');
  const n = await downDemo(ui).catch((e: unknown) => {
    fail(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
  ui.say(n === 0 ? 'no demo cluster was running' : `removed ${n} demo cluster${n > 1 ? 's' : ''}`);
  process.exit(0);
}

const ui = new Ui(style, steps(cmd.keep));
const demo = new Demo(ui);
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    ui.mute();
    process.stderr.write(`\ndemo: ${sig}: tearing down\n`);
    void demo.teardown().finally(() => process.exit(130));
  });
}

let code = 0;
let kept: string | undefined;
try {
  kept = await demo.run(cmd.keep);
  if (!cmd.keep) ui.step('tearing down');
} catch (e) {
  if (!interrupted) fail(e instanceof DemoError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e));
  code = 1;
}
if (interrupted) await new Promise(() => {}); // the signal handler tears down and exits 130
await demo.teardown().catch((e: unknown) => {
  fail(`teardown: ${e instanceof Error ? e.message : String(e)}`);
  code = 1;
});
if (code === 0) ui.say(style.good(`done in ${ui.elapsed().toFixed(1)} s`));
// --keep ends on exactly one JSON line (kubeconfig, nodes, client, Services) for scripts.
if (kept) process.stdout.write(`${kept}\n`);
process.exit(code);
