#!/usr/bin/env node
// ironlb-controller: the only file that reads argv/env, loads credentials, listens and
// handles signals. Everything else is built by createController and can be tested.
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { collectDefaultMetrics } from 'prom-client';
import { createLogger, isIronlbError, loadKubeConfig, shareConnections, startOpsServer, systemClock } from '@ironlb/core';
import { parseControllerFlags, USAGE, wantsHelp } from './flags.js';
import { createController } from './controller.js';
import { createControllerMetrics } from './metrics.js';

async function main(): Promise<number> {
  if (wantsHelp(process.argv.slice(2))) {
    console.log(USAGE);
    return 0;
  }
  let flags;
  try {
    flags = parseControllerFlags(process.argv.slice(2), process.env, hostname());
  } catch (e) {
    console.error(`ironlb-controller: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const log = createLogger({ component: 'controller', level: flags.logLevel }).child({ identity: flags.identity });
  let kc: KubeConfig;
  try {
    kc = loadKubeConfig(flags.kubeconfig);
  } catch (err) {
    log.fatal({ err, kubeconfig: flags.kubeconfig }, 'cannot load Kubernetes credentials');
    return 1;
  }
  if (!shareConnections(kc)) log.warn({ event: 'noConnectionReuse' }, 'could not enable connection reuse; every API call opens a new connection');
  const metrics = createControllerMetrics();
  collectDefaultMetrics({ register: metrics.registry });

  let exiting = false;
  const controller = createController({
    kc,
    namespace: flags.namespace,
    lbClass: flags.lbClass,
    identity: flags.identity,
    leaseName: flags.leaseName,
    leaseDurationSeconds: flags.leaseDurationSeconds,
    clock: systemClock,
    log,
    metrics,
    onLostLeadership: () => {
      // A replica that lost its lease may hold stale state: restart clean (client-go does too).
      if (!exiting) process.exit(3);
    },
  });
  const ops = await startOpsServer(flags.metricsAddr, {
    metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
    notReady: () => controller.notReady(),
  });
  log.info({ event: 'started', namespace: flags.namespace, lbClass: flags.lbClass ?? null, metricsAddr: ops.address }, 'ironlb-controller started');
  controller.start();

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      if (exiting) return;
      exiting = true;
      log.info({ event: 'stopping', signal }, 'shutting down: releasing the lease');
      resolve();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  await controller.stop();
  await ops.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`ironlb-controller: ${isIronlbError(err) ? `${err.code}: ` : ''}${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
