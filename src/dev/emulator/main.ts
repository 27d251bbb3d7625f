#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { SERVER_MODES, type ServerMode } from './instance-servers.js';
import type { StateDelays } from './options.js';
import { startRdsEmulator } from './server.js';

const usage = `Usage: node dist/src/dev/emulator/main.js [options]
  --port N              port to listen on (default 4566; 0 picks a free one)
  --host H              address to bind (default 127.0.0.1)
  --region R            emulated region (default $AWS_REGION or us-east-1)
  --servers MODE        postgres: a real PostgreSQL server behind every instance; none: no process
                        (default: $STOW_EMULATOR_SERVERS, else none)
  --copy-interval-ms N  with servers: how often each instance's data is copied for point-in-time
                        restores, when it changed (default 60000)
  --delay-ms N          every state delay (creating, backing-up, modifying, deleting)
  --creating-ms N  --backing-up-ms N  --modifying-ms N  --deleting-ms N
  --latency-ms N        added to every Query API call
  --throttle-rate X     fraction 0..1 of calls answered with Throttling
  --error-rate X        fraction 0..1 of calls answered with InternalFailure (500)
  --log-level L         pino level (default: $LOG_LEVEL or warn)`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4566' },
    host: { type: 'string', default: '127.0.0.1' },
    region: { type: 'string' },
    servers: { type: 'string' },
    'copy-interval-ms': { type: 'string' },
    'delay-ms': { type: 'string' },
    'creating-ms': { type: 'string' },
    'backing-up-ms': { type: 'string' },
    'modifying-ms': { type: 'string' },
    'deleting-ms': { type: 'string' },
    'latency-ms': { type: 'string' },
    'throttle-rate': { type: 'string' },
    'error-rate': { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(usage);
  process.exit(0);
}

function numberOption(name: keyof typeof values): number | undefined {
  const raw = values[name];
  if (raw === undefined || typeof raw === 'boolean') return undefined;
  const parsed = Number(raw);
  if (!Number.isFinite(parsed) || parsed < 0) {
    console.error(`--${name} must be a number of 0 or more (got ${raw})\n\n${usage}`);
    process.exit(2);
  }
  return parsed;
}

const allDelays = numberOption('delay-ms');
const delays: Partial<StateDelays> = {};
for (const [option, state] of [
  ['creating-ms', 'creating'],
  ['backing-up-ms', 'backingUp'],
  ['modifying-ms', 'modifying'],
  ['deleting-ms', 'deleting'],
] as const) {
  const ms = numberOption(option) ?? allDelays;
  if (ms !== undefined) delays[state] = ms;
}

if (values.servers !== undefined && !(SERVER_MODES as readonly string[]).includes(values.servers)) {
  console.error(`--servers must be ${SERVER_MODES.join(' or ')} (got ${values.servers})\n\n${usage}`);
  process.exit(2);
}

const emulator = await startRdsEmulator({
  port: numberOption('port'),
  host: values.host,
  region: values.region,
  ...(values.servers ? { servers: values.servers as ServerMode } : {}),
  copyIntervalMs: numberOption('copy-interval-ms'),
  delays,
  faults: {
    latencyMs: numberOption('latency-ms') ?? 0,
    throttleRate: numberOption('throttle-rate') ?? 0,
    errorRate: numberOption('error-rate') ?? 0,
  },
  logger: pino({ level: values['log-level'] ?? process.env.LOG_LEVEL ?? 'warn' }),
});
console.log(emulator.url);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void emulator.close().then(() => process.exit(0));
  });
}
