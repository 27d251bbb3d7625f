import type { CpuProfile } from './inspector.js';

/** Where a CPU profile's samples fell: by origin (a package, a folder of Stow, Node itself) and by function. */
export interface CpuSummary {
  /** Wall time profiled, per isolate summed: each isolate is its own thread. */
  profiledMs: number;
  /** Samples that ran JavaScript or native code for it (not idle). */
  busyMs: number;
  byOrigin: Array<{ origin: string; selfMs: number }>;
  byFunction: Array<{ name: string; origin: string; selfMs: number }>;
}

/** Self time summed over every isolate's profile; the top `limit` origins and functions. */
export function summarizeCpuProfiles(profiles: readonly CpuProfile[], limit = 15): CpuSummary {
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, { name: string; origin: string; selfMs: number }>();
  let profiledMs = 0;
  let idleMs = 0;
  for (const profile of profiles) {
    profiledMs += (profile.endTime - profile.startTime) / 1000;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, index) => {
      const ms = (profile.timeDeltas[index] ?? 0) / 1000;
      const frame = nodes.get(id)?.callFrame;
      if (!frame) return;
      const origin = originOf(frame.url, frame.functionName);
      if (origin === '(idle)') {
        idleMs += ms;
        return;
      }
      byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + ms);
      const name = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
      const entry = byFunction.get(name) ?? { name, origin, selfMs: 0 };
      entry.selfMs += ms;
      byFunction.set(name, entry);
    });
  }
  const top = <T extends { selfMs: number }>(items: Iterable<T>) =>
    [...items].sort((a, b) => b.selfMs - a.selfMs).slice(0, limit);
  return {
    profiledMs,
    busyMs: profiledMs - idleMs,
    byOrigin: top([...byOrigin].map(([origin, selfMs]) => ({ origin, selfMs }))),
    byFunction: top(byFunction.values()),
  };
}

/** A package (`node_modules/@smithy/core`), a folder of Stow (`src/kube`), Node's own code, or V8's. */
export function originOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node';
  const packages = /node_modules\/((?:@[^/]+\/)?[^/]+)\//g;
  let last: string | undefined;
  for (const match of url.matchAll(packages)) last = match[1];
  if (last) return last;
  const own = /\/dist\/(src\/[^/]+)/.exec(url);
  return own ? own[1]! : shortUrl(url);
}

function shortUrl(url: string): string {
  return url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '');
}
