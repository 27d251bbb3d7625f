import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagedProcess } from './managed-process.js';

export interface ProbeTarget {
  url: string;
  /** CA to trust for https; `insecure` skips verification (self-signed health endpoints). */
  caPem?: string;
  insecure?: boolean;
  token?: string;
}

/** Polls until `url` answers 200, failing early if `component` exits. */
export async function waitForHttpOk(
  component: ManagedProcess,
  target: ProbeTarget,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (component.hasExited())
      throw new Error(`${component.name} exited (${await component.exited}) while starting`);
    last = await probe(target).catch((error: Error) => error.message);
    if (last === '200') return;
    await sleep(50);
  }
  throw new Error(`${component.name} not ready after ${timeoutMs} ms at ${target.url}: ${last}`);
}

function probe(target: ProbeTarget): Promise<string> {
  const request = target.url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target.url,
      {
        agent: false,
        ca: target.caPem,
        rejectUnauthorized: !target.insecure,
        headers: target.token ? { authorization: `Bearer ${target.token}` } : {},
        timeout: 2000,
      },
      (response) => {
        response.resume();
        response.once('end', () => resolve(String(response.statusCode)));
      },
    );
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', reject);
    req.end();
  });
}
