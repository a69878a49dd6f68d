// Makes every Kubernetes API call of a KubeConfig reuse connections.
//
// Why: @kubernetes/client-node 1.x builds a new https.Agent for every request
// (KubeConfig.applySecurityAuthentication → createAgent), so each call pays a fresh TCP +
// TLS handshake on both sides. At a few hundred writes per second that handshake, not the
// API server's work, is what limits the controller, and the garbage it leaves doubles its
// memory. We memoise the agent per server and turn keep-alive on. createAgent is private
// in the typings but a plain method at run time; if a future release changes that, we
// fall back to the library's behaviour and say so.
import type { Agent } from 'node:https';

type CreateAgent = (cluster: { server?: string } | null, options: Record<string, unknown>) => Agent;

/** `kc` is a @kubernetes/client-node KubeConfig (typed structurally: core does no I/O). */
export function shareConnections(kc: object, maxSockets = 32): boolean {
  const target = kc as unknown as { createAgent?: CreateAgent };
  const original = target.createAgent;
  if (typeof original !== 'function') return false;
  const agents = new Map<string, Agent>();
  target.createAgent = function (cluster, options) {
    const key = cluster?.server ?? '';
    let agent = agents.get(key);
    if (!agent) {
      agent = original.call(kc, cluster, { ...options, keepAlive: true, maxSockets });
      agents.set(key, agent);
    }
    return agent;
  };
  return true;
}

