import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { RouteFault } from './faults.js';
import type { ApiAnswer } from './kite-rules.js';

/**
 * What the simulator would answer, decided before anything is written: Kite's rules have run
 * by the time a Reply exists, so a fault can still hold or lose it (a processed request whose
 * answer never arrives).
 */
export interface Reply {
  status: number;
  headers: OutgoingHttpHeaders;
  body: string;
}

export function jsonReply(answer: ApiAnswer, headers: OutgoingHttpHeaders = {}): Reply {
  const body = JSON.stringify(answer.body);
  // application/json always: the kiteconnect SDK resolves (not rejects) a 2xx of any other type.
  return { status: answer.status, headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) }, body };
}

export function htmlReply(status: number, html: string): Reply {
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }, body: html };
}

export function redirectReply(location: string, headers: OutgoingHttpHeaders = {}): Reply {
  return { status: 302, headers: { ...headers, Location: location, 'Content-Length': 0 }, body: '' };
}

export function notFoundReply(): Reply {
  return jsonReply({ status: 404, body: { status: 'error', message: 'Route not found', data: null, error_type: 'GeneralException' } });
}

export function tooManyRequests(): ApiAnswer {
  return { status: 429, body: { status: 'error', message: 'Too many requests', data: null, error_type: 'NetworkException' } };
}

/** A Kite that failed before processing the request: a proxy's 502/504 page, a 429, or Kite's JSON error. */
export function faultStatusReply(fault: RouteFault): Reply {
  const status = fault.status ?? 503;
  if (status === 502 || status === 504) {
    return htmlReply(status, `<html><head><title>${status}</title></head><body><center><h1>${status} ${status === 502 ? 'Bad Gateway' : 'Gateway Time-out'}</h1></center></body></html>`);
  }
  if (status === 429) return jsonReply(tooManyRequests());
  return jsonReply({ status, body: { status: 'error', message: fault.message ?? 'Service unavailable. Please try again later.', data: null, error_type: 'GeneralException' } });
}

export function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) out[part.slice(0, index).trim()] = part.slice(index + 1).trim();
  }
  return out;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
