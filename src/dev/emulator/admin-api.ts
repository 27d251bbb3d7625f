import { type TypeBoxTypeProvider, Type } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import type { EmulatorControl } from './control.js';
import { RdsError } from './errors.js';
import { InvalidFaultSettingsError } from './faults.js';
import { InvalidDelaysError } from './lifecycle.js';

const Rate = Type.Number({ minimum: 0, maximum: 1 });

const FaultPatch = Type.Object(
  {
    latencyMs: Type.Optional(Type.Number({ minimum: 0 })),
    throttleRate: Type.Optional(Rate),
    errorRate: Type.Optional(Rate),
    unavailableRate: Type.Optional(Rate),
    holdResponseAfter: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    actions: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
    failSnapshots: Type.Optional(Type.Boolean()),
    failingResourcePrefixes: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  },
  { additionalProperties: false },
);

const DelayPatch = Type.Object(
  {
    creating: Type.Optional(Type.Number({ minimum: 0 })),
    backingUp: Type.Optional(Type.Number({ minimum: 0 })),
    modifying: Type.Optional(Type.Number({ minimum: 0 })),
    deleting: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

const SeedInstance = Type.Object(
  { DBInstanceIdentifier: Type.String(), DBInstanceStatus: Type.Optional(Type.String()) },
  { additionalProperties: true },
);

const InstanceParams = Type.Object({ id: Type.String() });
const StatusBody = Type.Object({ status: Type.String({ minLength: 1 }) }, { additionalProperties: false });
const ApplyPendingBody = Type.Union([
  Type.Object({ dbInstanceIdentifier: Type.Optional(Type.String()) }, { additionalProperties: false }),
  Type.Null(),
]);

/** Test controls under `/_emulator`, JSON in and out. */
export function adminApi(control: EmulatorControl): FastifyPluginAsync {
  return async (plainApp) => {
    const app = plainApp.withTypeProvider<TypeBoxTypeProvider>();

    app.setErrorHandler((error: FastifyError, _request, reply) => {
      if (error instanceof RdsError) {
        return reply.code(error.httpStatus).send({ code: error.code, message: error.message });
      }
      if (error instanceof InvalidFaultSettingsError || error instanceof InvalidDelaysError) {
        return reply.code(400).send({ code: 'InvalidSettings', message: error.message });
      }
      return reply
        .code(error.statusCode ?? 500)
        .send({ code: error.code ?? 'InternalError', message: error.message });
    });

    app.get('/health', async () => ({ ok: true }));

    app.get('/faults', async () => control.faults.current);
    app.route({
      method: ['PUT', 'POST'],
      url: '/faults',
      schema: { body: FaultPatch },
      handler: async (request) => control.setFaults(request.body),
    });

    app.get('/delays', async () => control.currentDelays());
    app.route({
      method: ['PUT', 'POST'],
      url: '/delays',
      schema: { body: DelayPatch },
      handler: async (request) => control.setDelays(request.body),
    });

    app.get('/calls', async () => control.calls());
    app.delete('/calls', async (_request, reply) => {
      control.resetCalls();
      return reply.code(204).send();
    });

    app.get('/instances', async () => control.state.listInstances().map((i) => control.instanceView(i)));
    app.post('/instances', { schema: { body: SeedInstance } }, async (request, reply) => {
      const instance = control.seedInstance(request.body);
      return reply.code(201).send(control.instanceView(instance));
    });
    app.get('/instances/:id', { schema: { params: InstanceParams } }, async (request) =>
      control.instanceView(control.state.requireInstance(request.params.id.toLowerCase())),
    );
    app.delete('/instances/:id', { schema: { params: InstanceParams } }, async (request, reply) => {
      control.removeInstance(request.params.id);
      return reply.code(204).send();
    });
    app.route({
      method: ['PUT', 'POST'],
      url: '/instances/:id/status',
      schema: { params: InstanceParams, body: StatusBody },
      handler: async (request) =>
        control.instanceView(control.forceStatus(request.params.id, request.body.status)),
    });
    app.post('/instances/:id/apply-pending', { schema: { params: InstanceParams } }, async (request) => ({
      started: control.applyPendingModifications(request.params.id),
    }));
    app.post('/apply-pending', { schema: { body: ApplyPendingBody } }, async (request) => ({
      started: control.applyPendingModifications(request.body?.dbInstanceIdentifier),
    }));

    app.get('/snapshots', async () => control.state.listSnapshots().map((s) => control.snapshotView(s)));
    app.get('/automated-backups', async () => control.state.listRetainedBackups());

    app.post('/release-held', async () => ({ released: control.releaseHeldResponses() }));
    app.post('/reset', async (_request, reply) => {
      control.reset();
      return reply.code(204).send();
    });
  };
}
