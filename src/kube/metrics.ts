import { Counter, Gauge, type Registry } from 'prom-client';
import type { RequestObserver } from './client.js';

/**
 * `rest_client_requests_total{code,method,host}`, as client-go counts its requests (controller-runtime
 * registers the same family): `method` is the HTTP method, a watch being a GET.
 */
export function restClientRequests(registry: Registry, host: string): RequestObserver {
  const requests = new Counter({
    name: 'rest_client_requests_total',
    help: 'Number of HTTP requests, partitioned by status code, method, and host.',
    labelNames: ['code', 'method', 'host'] as const,
    registers: [registry],
  });
  return (method, _path, code) =>
    requests.inc({ code: String(code), method: method === 'WATCH' ? 'GET' : method, host });
}

/**
 * `leader_election_master_status{name}`, as client-go's leader election reports it: 1 while this
 * replica holds the Lease `name`, 0 while it stands by. 0 from the start, so a replica that never led shows.
 */
export function leaderElectionStatus(registry: Registry, name: string): (leading: boolean) => void {
  const status = new Gauge({
    name: 'leader_election_master_status',
    help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
    labelNames: ['name'] as const,
    registers: [registry],
  });
  status.set({ name }, 0);
  return (leading) => status.set({ name }, leading ? 1 : 0);
}
