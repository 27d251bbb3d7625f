import type { InstanceLifecycle } from '../lifecycle.js';
import type { QueryParams } from '../query-params.js';
import type { SnapshotLifecycle } from '../snapshots.js';
import type { EmulatorState } from '../state.js';

export interface ActionContext {
  state: EmulatorState;
  lifecycle: InstanceLifecycle;
  snapshots: SnapshotLifecycle;
}

/** Performs one Query API action and returns the inner XML of its `<ActionResult>`, if it has one. */
export type ActionHandler = (params: QueryParams, context: ActionContext) => string | undefined;
