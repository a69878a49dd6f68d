#!/usr/bin/env node
// ironlb-speaker: the only file that reads argv/env, loads credentials, opens sockets,
// listens and handles signals. Everything else is built by createSpeaker and tested.
import type { KubeConfig } from '@kubernetes/client-node';
import { collectDefaultMetrics } from 'prom-client';
import { createLogger, isIronlbError, loadKubeConfig, shareConnections, startOpsServer, systemClock } from '@ironlb/core';
import { parseSpeakerFlags, USAGE, wantsHelp } from './flags.js';
import { createSysfsInterfaceLister } from './interfaces/sysfs-lister.js';
import { openHeartbeatSocket } from './membership/udp-transport.js';
import { createSpeakerMetrics } from './metrics.js';
import { openPacketSocket } from './packet/native-socket.js';
import { createSpeaker } from './speaker.js';

async function main(): Promise<number> {
  if (wantsHelp(process.argv.slice(2))) {
    console.log(USAGE);
    return 0;
  }
  let flags;
  try {
    flags = parseSpeakerFlags(process.argv.slice(2), process.env);
  } catch (e) {
    console.error(`ironlb-speaker: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const log = createLogger({ component: 'speaker', level: flags.logLevel });
  let kc: KubeConfig;
  try {
    kc = loadKubeConfig(flags.kubeconfig);
  } catch (err) {
    log.fatal({ err, kubeconfig: flags.kubeconfig }, 'cannot load Kubernetes credentials');
    return 1;
  }
  if (!shareConnections(kc)) log.warn({ event: 'noConnectionReuse' }, 'could not enable connection reuse; every API call opens a new connection');
  const metrics = createSpeakerMetrics();
  collectDefaultMetrics({ register: metrics.registry });
  const speaker = createSpeaker({
    kc,
    node: flags.node,
    namespace: flags.namespace,
    ...(flags.lbClass ? { lbClass: flags.lbClass } : {}),
    ignoreExcludeLb: flags.ignoreExcludeLb,
    strictArp: flags.strictArp,
    clock: systemClock,
    log,
    metrics,
    openSocket: openPacketSocket,
    interfaceLister: createSysfsInterfaceLister(),
    heartbeat: { bindAddress: flags.heartbeatBind, advertiseAddress: flags.heartbeatAdvertise, open: openHeartbeatSocket },
    timings: {
      leaseDurationSeconds: flags.leaseDurationSeconds,
      // Three renewals per Lease duration, so one lost call never lets it lapse.
      leaseRenewMs: Math.min(5_000, Math.floor((flags.leaseDurationSeconds * 1000) / 3)),
      handoffMs: flags.handoffMs,
      drainMs: flags.drainMs,
      membership: { heartbeatIntervalMs: flags.heartbeatIntervalMs, deadAfterMs: flags.deadAfterMs },
    },
  });
  const ops = await startOpsServer(flags.metricsAddr, {
    metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
    notReady: () => speaker.notReady(),
  });
  log.info({ event: 'started', node: flags.node, namespace: flags.namespace, heartbeat: flags.heartbeatAdvertise, metricsAddr: ops.address }, 'ironlb-speaker started');
  let signal: string | undefined;
  const stopping = new Promise<void>((resolve) => {
    const on = (s: string) => {
      if (signal) return;
      signal = s;
      resolve();
    };
    process.once('SIGTERM', () => on('SIGTERM'));
    process.once('SIGINT', () => on('SIGINT'));
  });
  await Promise.race([speaker.start(), stopping]);
  await stopping;
  log.info({ event: 'stopping', signal }, 'shutting down: handing over to peers');
  await speaker.stop();
  await ops.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`ironlb-speaker: ${isIronlbError(err) ? `${err.code}: ` : ''}${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
