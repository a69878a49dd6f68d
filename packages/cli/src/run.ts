// One plugin invocation: parse the command line, read the cluster, analyse, render, and
// pick the exit code. The world comes in through `io` (argv, output streams, clock), so
// tests can drive it; main.ts passes the real process.
import { loadKubeConfig, type Clock } from '@ironlb/core';
import { ExitCodes, parseArgs, type Command, type Options } from './args.js';
import { explainService } from './analyze/explain.js';
import { buildModel, isLoadBalancer, type ClusterModel } from './analyze/model.js';
import { poolsReport } from './analyze/pools.js';
import { preflightReport } from './analyze/preflight.js';
import { statusReport } from './analyze/status.js';
import { fixStrictArp } from './fix.js';
import { ApiUnavailableError, gather } from './gather.js';
import { render, type Report } from './render/reports.js';
import { MetallbCrds } from './snapshot.js';

export interface Io {
  readonly argv: readonly string[];
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly clock: Clock;
  /** $KUBECONFIG as the shell has it (a list, merged as kubectl merges it). */
  readonly kubeconfigEnv?: string;
}

/** Runs the plugin; resolves to the exit code (never rejects). */
export async function run(io: Io): Promise<number> {
  const parsed = parseArgs(io.argv);
  if (parsed.kind === 'help') {
    io.out(parsed.text);
    return ExitCodes.ok;
  }
  if (parsed.kind === 'usage-error') {
    io.err(`error: ${parsed.message}\nSee 'kubectl ironlb --help'.\n`);
    return ExitCodes.usage;
  }
  try {
    return await execute(parsed.command, parsed.options, io);
  } catch (e) {
    if (e instanceof ApiUnavailableError) {
      io.err(`error: ${e.message}\n`);
      return ExitCodes.unavailable;
    }
    io.err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return ExitCodes.unavailable;
  }
}

async function execute(command: Command, o: Options, io: Io): Promise<number> {
  const source = o.kubeconfig ?? (io.kubeconfigEnv ? `$KUBECONFIG (${io.kubeconfigEnv})` : '(~/.kube/config or in-cluster)');
  let kc;
  try {
    kc = loadKubeConfig(o.kubeconfig, io.kubeconfigEnv);
  } catch (e) {
    // A missing or unparsable file is the caller's to fix, like an unknown context.
    // client-node fails on an empty or foreign YAML document with a TypeError of its own.
    const detail = e instanceof TypeError ? 'it is not a kubeconfig (no clusters, users or contexts in it)' : e instanceof Error ? e.message : String(e);
    io.err(`error: cannot load kubeconfig ${source}: ${detail}\n`);
    return ExitCodes.usage;
  }
  if (o.context !== undefined) {
    if (!kc.getContextObject(o.context)) {
      io.err(`error: context ${JSON.stringify(o.context)} does not exist in the kubeconfig\n`);
      return ExitCodes.usage;
    }
    kc.setCurrentContext(o.context);
  }
  if (!kc.getCurrentCluster()) {
    const ctx = kc.getCurrentContext();
    io.err(`error: kubeconfig ${source} names no cluster for ${ctx ? `context ${JSON.stringify(ctx)}` : 'its current context (current-context is not set)'}: use --context NAME or fix the kubeconfig\n`);
    return ExitCodes.usage;
  }
  const load = async () => buildModel(await gather({ kc, systemNamespace: o.systemNamespace, lbClass: o.lbClass, deadlineMs: o.requestTimeoutMs, clock: io.clock }));
  let model = await load();
  const missing = MetallbCrds.filter((c) => !model.snapshot.crds.includes(c));
  if (command.name === 'preflight') {
    let report = preflightReport(model);
    if (command.fix) {
      const fixed = await fixStrictArp(kc, io.clock, o.requestTimeoutMs);
      if (fixed.patched) model = await load();
      report = { ...preflightReport(model), fixed };
    }
    io.out(render(report, o.output));
    if (missing.length > 0) return ExitCodes.unavailable;
    return exitCodeOf(report);
  }
  if (missing.length > 0) {
    io.err(`error: the metallb.io CRDs are not installed (missing ${missing.join(', ')}): install ironlb first (kubectl apply -k deploy/)\n`);
    return ExitCodes.unavailable;
  }
  if (command.name === 'explain') {
    if (o.allNamespaces) {
      io.err('error: explain takes one Service in one namespace: use -n NAMESPACE, not -A\n');
      return ExitCodes.usage;
    }
    const namespace = o.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
    return explain(model, namespace, command.service, o, io);
  }
  const report: Report = command.name === 'status' ? statusReport(model, o.allNamespaces ? undefined : o.namespace) : poolsReport(model);
  io.out(render(report, o.output));
  return exitCodeOf(report);
}

function explain(model: ClusterModel, namespace: string, name: string, o: Options, io: Io): number {
  const svc = model.snapshot.services.find((s) => s.metadata?.namespace === namespace && s.metadata?.name === name);
  if (!svc) {
    io.err(`error: Service ${JSON.stringify(name)} not found in namespace ${JSON.stringify(namespace)}\n`);
    return ExitCodes.usage;
  }
  if (!isLoadBalancer(svc)) {
    io.err(`error: Service ${namespace}/${name} is of type ${svc.spec?.type ?? 'ClusterIP'}, not LoadBalancer: ironlb gives it no IP\n`);
    return ExitCodes.usage;
  }
  const report = explainService(model, svc);
  io.out(render(report, o.output));
  return exitCodeOf(report);
}

/** 1 when the report names a problem, else 0. */
export function exitCodeOf(r: Report): number {
  const bad = (() => {
    switch (r.kind) {
      case 'StatusReport':
        return r.rows.some((x) => x.problems.length > 0);
      case 'ServiceExplanation':
        return r.problems.length > 0 || r.allocation.state !== 'assigned';
      case 'PoolsReport':
        return r.pools.some((p) => p.problems.length > 0);
      case 'PreflightReport':
        return r.checks.some((c) => !c.ok);
    }
  })();
  return bad ? ExitCodes.problems : ExitCodes.ok;
}
