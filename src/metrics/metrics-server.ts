import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { MetricsConfig } from '../config/index.js';
import { ConfigError } from '../errors/index.js';
import { describeUnexpected } from '../errors/index.js';
import type { Logger } from '../logger.js';

export interface MetricsServer {
  /** `http://host:port/metrics`, with the port actually bound. */
  url: string;
  /** Stops listening and ends open connections (a scraper's keep-alive must not hold a shutdown). */
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) from `registry` on METRICS_HOST:METRICS_PORT,
 * and nothing else. An address that cannot be bound (taken, not this machine's, a privileged
 * port) is a configuration problem: the daemon does not start without the metrics it was told to serve.
 */
export async function serveMetrics(registry: Registry, config: MetricsConfig, logger: Logger): Promise<MetricsServer> {
  const server = createServer((request, response) => { void answer(registry, request, response, logger); });
  // Scrapes are short; a connection left idle is closed rather than held.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the port is taken by another process' : error.code === 'EACCES' ? 'this user may not listen there' : `cannot listen there (${error.code ?? 'error'})`;
      reject(new ConfigError([{
        variable: error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' ? 'METRICS_HOST' : 'METRICS_PORT',
        message: `cannot serve /metrics on ${config.host}:${config.port}: ${why}; choose another METRICS_PORT (or METRICS_HOST)`,
      }]));
    });
    server.listen(config.port, config.host, () => resolve());
  });
  server.on('error', (error) => logger.error({ err: describeUnexpected(error) }, 'the metrics server failed'));
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/metrics`;
  logger.info({ url }, 'serving metrics');
  return {
    url,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function answer(registry: Registry, request: IncomingMessage, response: ServerResponse, logger: Logger): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (path !== '/metrics') {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found: the metrics are at /metrics\n');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' }).end('Only GET\n');
    return;
  }
  try {
    const text = await registry.metrics();
    response.writeHead(200, { 'Content-Type': registry.contentType });
    response.end(request.method === 'HEAD' ? undefined : text);
  } catch (error) {
    // The records' reads are bounded and never throw; this is a bug, said once per scrape and not fatal.
    logger.error({ err: describeUnexpected(error) }, 'could not gather the metrics');
    response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('The metrics could not be gathered; see the log\n');
  }
}
