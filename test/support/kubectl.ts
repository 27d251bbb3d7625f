import type { ControlPlane } from '../../src/dev/control-plane/control-plane.js';

/** kubectl against a control plane, for its output; a failure throws with kubectl's own words. */
export async function kubectlOrThrow(
  cp: Pick<ControlPlane, 'kubectl'>,
  args: string[],
  input?: string,
): Promise<string> {
  const result = await cp.kubectl(args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** `kubectl apply` of these objects, in one call; into `namespace` where they name none. */
export async function applyObjects(
  cp: Pick<ControlPlane, 'kubectl'>,
  objects: readonly unknown[],
  namespace?: string,
): Promise<void> {
  await kubectlOrThrow(
    cp,
    ['apply', ...(namespace ? ['-n', namespace] : []), '-f', '-'],
    objects.map((object) => JSON.stringify(object)).join('\n'),
  );
}
