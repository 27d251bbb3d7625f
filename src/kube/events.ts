import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeResources } from './resources.js';
import { type CoreEvent, EVENTS, type ObjectReference } from './types.js';

export type EventType = 'Normal' | 'Warning';

/** Writes Events about an object. */
export interface EventSink {
  record(
    regarding: ObjectReference,
    type: EventType,
    reason: string,
    message: string,
    signal?: AbortSignal,
  ): Promise<void>;
}

/** Repeats of the same event within this window bump the count of the existing one (like client-go). */
const AGGREGATION_WINDOW_MS = 10 * 60_000;
const MAX_REMEMBERED = 4096;

interface Remembered {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  sentAt: number;
}

/** Writes core/v1 Events; an Event that cannot be written is logged, never fails a reconcile. */
export class EventRecorder implements EventSink {
  private readonly recent = new Map<string, Remembered>();

  constructor(
    private readonly kube: KubeResources,
    private readonly component: string,
    private readonly instance: string,
    private readonly logger: Logger,
  ) {}

  async record(
    regarding: ObjectReference,
    type: EventType,
    reason: string,
    message: string,
    signal?: AbortSignal,
  ) {
    const { namespace, uid } = regarding;
    const key = `${uid}\u0000${type}\u0000${reason}\u0000${message}`;
    const now = new Date();
    const timestamp = now.toISOString();
    this.logger.info(
      { kind: regarding.kind, namespace, name: regarding.name, type, reason, eventMessage: message },
      'event',
    );
    try {
      const previous = this.recent.get(key);
      if (previous && now.getTime() - previous.sentAt < AGGREGATION_WINDOW_MS) {
        previous.count++;
        previous.sentAt = now.getTime();
        await this.kube.patch(
          EVENTS,
          previous,
          { count: previous.count, lastTimestamp: timestamp },
          { signal },
        );
        return;
      }
      const event: CoreEvent = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${regarding.name}.${randomBytes(8).toString('hex')}`, namespace },
        involvedObject: regarding,
        reason,
        message,
        type,
        count: 1,
        firstTimestamp: timestamp,
        lastTimestamp: timestamp,
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.instance,
      };
      await this.kube.create(EVENTS, event, signal);
      if (this.recent.size >= MAX_REMEMBERED) this.recent.delete(this.recent.keys().next().value!);
      this.recent.set(key, {
        name: event.metadata.name,
        namespace,
        count: 1,
        firstTimestamp: timestamp,
        sentAt: now.getTime(),
      });
    } catch (error) {
      this.recent.delete(key);
      if (!signal?.aborted) this.logger.warn({ reason, err: error }, 'could not write an Event');
    }
  }
}
