import { isIP } from 'node:net';
import type { RawConfig } from './read.js';
import { Variables, type Outcome } from './variables.js';

/** Where the daemon serves /metrics (Prometheus text format); see src/metrics/. */
export interface MetricsConfig {
  /** METRICS_HOST: the address to listen on. Default 127.0.0.1 (this machine only). */
  host: string;
  /** METRICS_PORT, 1 to 65535. No default: without it nothing is served. */
  port: number;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const isHost = (value: string): boolean => isIP(value) !== 0 || HOSTNAME.test(value);

/** METRICS_PORT and METRICS_HOST; undefined (the default) when no port is set: `run` serves nothing. */
export function validateMetrics(raw: RawConfig): Outcome<MetricsConfig | undefined> {
  const vars = new Variables(raw);
  const portText = vars.text('METRICS_PORT');
  let port: number | undefined;
  if (portText !== undefined) {
    if (/^\d{1,5}$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65535) port = Number(portText);
    else vars.problem('METRICS_PORT', 'must be a TCP port from 1 to 65535, e.g. 9464');
  }
  const host = vars.checked('METRICS_HOST', '127.0.0.1', isHost, 'must be an IP address or a host name to listen on, e.g. 127.0.0.1 (this machine only) or 0.0.0.0 (every address)');
  // A host with no port: metrics were meant and will not be served (a misspelt METRICS_PORT).
  if (portText === undefined && vars.text('METRICS_HOST') !== undefined) {
    vars.problem('METRICS_HOST', 'is set, but METRICS_PORT is not: set the port to serve /metrics, or remove the host');
  }
  return vars.outcome(port === undefined ? undefined : { host, port });
}
