import type { MetricsConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { autologinMetrics, type AutologinMetrics } from './autologin-metrics.js';
import { serveMetrics, type MetricsServer } from './metrics-server.js';
import type { MetricsAccount } from './sample-account.js';

/** The daemon's metrics for `accounts`, served at METRICS_HOST:METRICS_PORT/metrics; `server.close()` on shutdown. */
export async function startMetrics(config: MetricsConfig, accounts: readonly MetricsAccount[], logger: Logger): Promise<{ metrics: AutologinMetrics; server: MetricsServer }> {
  const metrics = autologinMetrics(accounts);
  return { metrics, server: await serveMetrics(metrics.registry, config, logger) };
}
