/** The parts of Kubernetes objects the controller reads and writes, as they travel in JSON. */
import type { ResourceType } from '../api/resource-type.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Metadata {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: Metadata;
}

export interface Secret extends KubeObject {
  type?: string;
  /** Base64 values. */
  data?: Record<string, string>;
}

export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
}

export interface Service extends KubeObject {
  spec?: {
    type?: string;
    externalName?: string;
    ports?: ServicePort[];
  };
}

export interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid: string;
  resourceVersion?: string;
}

export interface CoreEvent extends KubeObject {
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string };
  reportingComponent: string;
  reportingInstance: string;
  action?: string;
}

export interface List<T> {
  metadata: { resourceVersion: string; continue?: string };
  items: T[];
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** metav1.Status, as returned with an error. */
export interface Status {
  kind?: 'Status';
  code?: number;
  reason?: string;
  message?: string;
}

const core = <T>(kind: string, plural: string, namespaced = true): ResourceType<T> => ({
  group: '',
  version: 'v1',
  kind,
  plural,
  namespaced,
});

export const SECRETS = core<Secret>('Secret', 'secrets');
export const SERVICES = core<Service>('Service', 'services');
export const EVENTS = core<CoreEvent>('Event', 'events');
export const NAMESPACES = core<KubeObject>('Namespace', 'namespaces', false);
export const LEASES: ResourceType<Lease> = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
};
