// One renderer per report and output format. Pure: a report in, text out.
import type { Output } from '../args.js';
import { formatAge } from '../age.js';
import type { ExplainReport } from '../analyze/explain.js';
import type { PoolsReport, FamilyUse } from '../analyze/pools.js';
import type { PreflightReport } from '../analyze/preflight.js';
import type { StatusProblem, StatusReport } from '../analyze/status.js';
import { renderJson, renderTable, renderYaml } from './table.js';

export type Report = StatusReport | ExplainReport | PoolsReport | PreflightReport;

export function render(report: Report, output: Output): string {
  if (output === 'json') return renderJson(report);
  if (output === 'yaml') return renderYaml(report);
  const wide = output === 'wide';
  switch (report.kind) {
    case 'StatusReport':
      return renderStatus(report, wide);
    case 'ServiceExplanation':
      return renderExplain(report);
    case 'PoolsReport':
      return renderPools(report, wide);
    case 'PreflightReport':
      return renderPreflight(report);
  }
}

export function problemText(p: StatusProblem): string {
  switch (p.code) {
    case 'pending':
    case 'not-announced':
    case 'split':
      return `${p.code}(${p.detail})`;
    case 'conflict':
    case 'strictARP':
      return p.code;
  }
}

export function renderStatus(r: StatusReport, wide: boolean): string {
  if (r.rows.length === 0) return 'No LoadBalancer Services found.\n';
  const headers = ['NAMESPACE', 'NAME', 'IPS', 'POOL', 'NODE', 'INTERFACES', 'SINCE', 'PROBLEMS', ...(wide ? ['ELECTED', 'CANDIDATES', 'POLICY'] : [])];
  const rows = r.rows.map((x) => [
    x.namespace,
    x.name,
    x.ips.join(','),
    x.pool ?? '',
    x.nodes.join(','),
    x.interfaces.join(','),
    x.since === undefined ? '' : formatAge(r.now - x.since),
    x.problems.length === 0 ? '-' : x.problems.map(problemText).join(','),
    ...(wide ? [x.elected ?? '', x.candidates.join(','), x.trafficPolicy] : []),
  ]);
  return renderTable(headers, rows);
}

const ROLE: Record<ExplainReport['nodes'][number]['role'], string> = { owner: 'the owner', standby: 'standby', excluded: 'not it' };

const NO_OWNER: Record<string, string> = {
  'no-ips': 'there is nothing to announce until it has an IP',
  'unknown-pool': 'no IPAddressPool holds its IPs',
  'no-advertisement': 'no L2Advertisement selects its pool and this Service on any node',
  'no-local-endpoints': 'externalTrafficPolicy is Local and no node has a ready, serving endpoint',
  'no-candidates': 'every node is excluded',
};

export function renderExplain(r: ExplainReport): string {
  const out: string[] = [];
  const age = (t: number | undefined) => (t === undefined ? '' : ` since ${formatAge(r.now - t)} ago`);
  out.push(`Service ${r.service} (externalTrafficPolicy ${r.trafficPolicy}).`);
  out.push(`Allocation: ${r.allocation.message}.`);
  if (r.allocation.controllerSaid) out.push(`  The controller's last Event says: ${r.allocation.controllerSaid}`);
  if (r.allocation.state === 'not-ours') return `${out.join('\n')}\n`;
  const covering = r.advertisements.filter((a) => a.covers);
  const other = r.advertisements.filter((a) => !a.covers);
  if (r.pool !== undefined) {
    out.push(
      covering.length === 0
        ? `Advertisements: no L2Advertisement covers pool ${r.pool} and this Service.`
        : `Advertisements covering pool ${r.pool} and this Service: ${covering.map((a) => `${a.name} (nodes ${a.nodes.join(', ') || 'none'}; interfaces ${a.allInterfaces ? 'all' : a.interfaces.join(', ')})`).join('; ')}.`,
    );
    for (const a of other) out.push(`  ${a.name} does not cover it: ${a.notBecause === 'pool' ? `it does not select pool ${r.pool}` : 'its serviceSelectors do not match the Service'}.`);
  }
  if (r.electionIp !== undefined && r.nodes.length > 0) {
    out.push(`Nodes in election order for ${r.electionIp} (sha256 of node#IP, as MetalLB):`);
    for (const n of r.nodes) out.push(`  ${n.rank}. ${n.node}: ${ROLE[n.role]} — ${n.detail}.`);
  }
  if (r.elected !== undefined) out.push(`Elected owner: ${r.elected}.`);
  else if (r.noOwner !== undefined && r.ips.length > 0) out.push(`No owner: ${NO_OWNER[r.noOwner] ?? r.noOwner}.`);
  if (r.announcedBy.length === 0) out.push(r.ips.length > 0 ? 'Announced by: nobody (no speaker wrote a ServiceL2Status for it).' : 'Announced by: nobody.');
  if (r.announceFailure !== undefined) out.push(`  The speaker on ${r.elected ?? 'the elected node'} says: ${r.announceFailure}`);
  if (r.problems.some((p) => p.code === 'not-announced' && p.detail === 'strict-arp')) {
    out.push(`  ${r.elected ?? 'The elected node'} does not announce it: kube-proxy runs in IPVS mode without strictARP, so the speakers refuse to announce (--strict-arp enforce, the default) and every node's kernel answers ARP for ${r.electionIp ?? 'the IP'} instead. Fix: kubectl ironlb preflight --fix.`);
  }
  for (const a of r.announcedBy) out.push(`Announced by: ${a.node} on ${a.interfaces.join(', ') || 'no interface'}${age(a.since)}.`);
  if (r.elected !== undefined && r.announcedBy.length > 0 && !r.announcedBy.some((a) => a.node === r.elected)) {
    out.push(`  The speakers announce from ${r.announcedBy.map((a) => a.node).join(', ')} while the election over this view picks ${r.elected}: a failover is in progress, or the speakers' heartbeats see liveness differently from the Leases read here.`);
  }
  out.push(r.lastFailover ? `Last failover: ${r.lastFailover.from} → ${r.lastFailover.to}, ${formatAge(r.now - r.lastFailover.at)} ago.` : 'Last failover: none recorded in Events.');
  out.push(`Problems: ${r.problems.length === 0 ? 'none' : r.problems.map((p) => (p.code === 'conflict' ? `conflict (${p.detail})` : problemText(p))).join(', ')}.`);
  return `${out.join('\n')}\n`;
}

function use(u: FamilyUse | undefined): string {
  return u === undefined ? '-' : `${u.used}/${u.free}`;
}

export function renderPools(r: PoolsReport, wide: boolean): string {
  if (r.pools.length === 0) return 'No IPAddressPools found.\n';
  const headers = ['NAME', 'ADDRESSES', 'IPV4 USED/FREE', 'IPV6 USED/FREE', 'SERVICES', 'ADVERTISEMENTS', 'PROBLEMS'];
  const rows = r.pools.map((p) => [
    p.name,
    p.addresses.join(','),
    use(p.ipv4),
    use(p.ipv6),
    wide ? p.services.join(',') : String(p.services.length),
    p.advertisements.join(','),
    p.problems.length === 0 ? '-' : [...new Set(p.problems.map((x) => x.code))].join(','),
  ]);
  const details = r.pools.flatMap((p) => p.problems.map((x) => `${p.name}: ${x.message}`));
  return renderTable(headers, rows) + (details.length > 0 ? `\n${details.join('\n')}\n` : '');
}

export function renderPreflight(r: PreflightReport): string {
  const width = Math.max(...r.checks.map((c) => c.name.length));
  const out: string[] = [];
  for (const c of r.checks) {
    out.push(`${c.ok ? 'PASS' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.message}`);
    if (!c.ok && c.fix) out.push(`${' '.repeat(width + 8)}fix: ${c.fix}`);
  }
  if (r.fixed) {
    out.push('');
    out.push(r.fixed.message);
    if (r.fixed.patched) {
      out.push(
        r.fixed.restartPods.length > 0
          ? `Restart kube-proxy so it applies the ARP sysctls (pods ${r.fixed.restartPods.join(', ')}): ${r.fixed.restartCommand}`
          : `Restart kube-proxy wherever it runs so it applies the ARP sysctls (no pod labelled k8s-app=kube-proxy found): ${r.fixed.restartCommand}`,
      );
    }
  }
  const failed = r.checks.filter((c) => !c.ok).length;
  out.push(failed === 0 ? 'All checks passed.' : `${failed} of ${r.checks.length} checks failed.`);
  return `${out.join('\n')}\n`;
}
