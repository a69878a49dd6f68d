// Public surface of @ironlb/cli: the plugin's pure parts, for tests and other tools.
export { parseArgs, ExitCodes, HelpText, type Command, type Options, type Output, type Parsed } from './args.js';
export { buildModel, type ClusterModel } from './analyze/model.js';
export { statusReport, type StatusReport, type StatusRow, type StatusProblem } from './analyze/status.js';
export { explainService, type ExplainReport } from './analyze/explain.js';
export { poolsReport, type PoolsReport } from './analyze/pools.js';
export { preflightReport, type PreflightReport, type Check } from './analyze/preflight.js';
export { render, type Report } from './render/reports.js';
export { run, exitCodeOf, type Io } from './run.js';
export type { Snapshot } from './snapshot.js';
