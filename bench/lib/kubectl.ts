import type { ControlPlane } from '../../src/dev/control-plane/control-plane.js';

/** kubectl against the bench's control plane; a failure throws with kubectl's own words. */
export async function kubectl(cp: ControlPlane, args: string[], input?: string): Promise<void> {
  const result = await cp.kubectl(args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
}

/** `kubectl apply` of these objects, in one call. */
export function applyObjects(cp: ControlPlane, objects: readonly unknown[]): Promise<void> {
  return kubectl(cp, ['apply', '-f', '-'], objects.map((object) => JSON.stringify(object)).join('\n'));
}
