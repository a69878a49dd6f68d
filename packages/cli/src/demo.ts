// `npm run demo`: the end-to-end show (cluster-in-a-box, controller, speakers, an IP
// assigned, client traffic, a live failover). The controller and speaker land in later
// issues; until then this says so instead of pretending, and points at what exists.
const lines = [
  'ironlb demo: not implemented yet.',
  'It needs the controller (IP allocation) and the speaker (ARP/NDP announcing), which are',
  'still being built. What works today:',
  '  npm run cluster:up     a real kube-apiserver + etcd + kube-controller-manager (v1.36.3)',
  '                         and a layer-2 lab of network-namespace nodes and a client',
  '  npm run cluster:down   removes it again',
  '  npm test               lint, types, unit tests and the e2e suite on that cluster',
];
console.error(lines.join('\n'));
process.exit(2);
