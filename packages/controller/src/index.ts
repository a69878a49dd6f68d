// The controller as a library: the loop with its API ports, for main.ts and for tests
// that run it in-process against a real API server.
export { createController, type Controller, type ControllerDeps } from './controller.js';
export { createKubePorts, type ControllerPorts, type WatchHandlers } from './ports.js';
export { createControllerMetrics, type ControllerMetrics } from './metrics.js';
