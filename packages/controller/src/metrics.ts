// Controller metrics. MetalLB's names are kept exactly (users' dashboards and alerts);
// our additions carry the ironlb_ prefix.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export function createControllerMetrics() {
  const registry = new Registry();
  const poolGauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['pool'], registers: [registry] });
  return {
    registry,
    addressesTotal: poolGauge('metallb_allocator_addresses_total', 'Number of usable IP addresses, per pool (saturates at 2^53 for huge IPv6 pools)'),
    addressesInUse: poolGauge('metallb_allocator_addresses_in_use_total', 'Number of IP addresses in use, per pool'),
    ipv4Total: poolGauge('metallb_allocator_ipv4_addresses_total', 'Number of usable IPv4 addresses, per pool'),
    ipv4InUse: poolGauge('metallb_allocator_ipv4_addresses_in_use_total', 'Number of IPv4 addresses in use, per pool'),
    ipv6Total: poolGauge('metallb_allocator_ipv6_addresses_total', 'Number of usable IPv6 addresses, per pool (saturates at 2^53)'),
    ipv6InUse: poolGauge('metallb_allocator_ipv6_addresses_in_use_total', 'Number of IPv6 addresses in use, per pool'),
    configLoaded: new Gauge({ name: 'metallb_k8s_client_config_loaded_bool', help: '1 if the pools and services were loaded from the API', registers: [registry] }),
    configStale: new Gauge({ name: 'metallb_k8s_client_config_stale_bool', help: '1 if running on a stale configuration because the latest one had errors', registers: [registry] }),
    isLeader: new Gauge({ name: 'ironlb_controller_is_leader', help: '1 while this replica holds the controller lease', registers: [registry] }),
    reconciles: new Counter({ name: 'ironlb_controller_reconciles_total', help: 'Service reconciles, by result', labelNames: ['result'], registers: [registry] }),
    allocationFailures: new Counter({ name: 'ironlb_controller_allocation_failures_total', help: 'Failed allocations, by reason', labelNames: ['reason'], registers: [registry] }),
    reconcileSeconds: new Histogram({
      name: 'ironlb_controller_reconcile_duration_seconds',
      help: 'Time to reconcile one Service, API writes included',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

export type ControllerMetrics = ReturnType<typeof createControllerMetrics>;
