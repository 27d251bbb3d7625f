import { readFile } from 'node:fs/promises';

// Reads a V8 heap snapshot (the JSON the inspector's HeapProfiler.takeHeapSnapshot streams) and says
// what holds the memory, as the DevTools Memory panel does: objects grouped by constructor with their
// count, shallow and retained size, and the largest single retainers with the dominator path to them.
// The file can be larger than the biggest string V8 allows, so it is scanned as bytes, not JSON.parse'd.

export interface ClassSummary {
  name: string;
  count: number;
  /** Bytes of the objects themselves. */
  selfSize: number;
  /** Bytes freed if every object of the class went (those inside another of the same class counted once). */
  retainedSize: number;
}

export interface Retainer {
  name: string;
  /** The dominator path to it, outermost first: an owner's class, then `.edge → class` hops (six at most; ` … → class` where several paths meet). */
  path: string[];
  retainedSize: number;
  selfSize: number;
}

export interface HeapSummary {
  nodes: number;
  edges: number;
  /** Self sizes of every node reachable from the root. */
  totalSize: number;
  classes: ClassSummary[];
  retainers: Retainer[];
}

interface Meta {
  node_fields: string[];
  node_types: [string[], ...unknown[]];
  edge_fields: string[];
  edge_types: [string[], ...unknown[]];
}

interface Snapshot {
  meta: Meta;
  nodes: Uint32Array;
  edges: Uint32Array;
  strings: string[];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;

/** The integers of the array starting at `start` (just after its `[`), into `out`. */
function readIntegers(buffer: Buffer, start: number, out: Uint32Array): number {
  let count = 0;
  let value = 0;
  let inNumber = false;
  for (let i = start; i < buffer.length; i++) {
    const byte = buffer[i]!;
    if (byte >= 0x30 && byte <= 0x39) {
      value = value * 10 + (byte - 0x30);
      inNumber = true;
    } else {
      if (inNumber) {
        out[count++] = value;
        value = 0;
        inNumber = false;
      }
      if (byte === CLOSE_BRACKET) return count;
    }
  }
  throw new Error('heap snapshot: unterminated number array');
}

function readStrings(buffer: Buffer, start: number): string[] {
  const strings: string[] = [];
  let i = start;
  for (;;) {
    while (buffer[i] !== QUOTE && buffer[i] !== CLOSE_BRACKET) i++;
    if (buffer[i] === CLOSE_BRACKET) return strings;
    const open = i++;
    let escaped = false;
    while (buffer[i] !== QUOTE) {
      if (buffer[i] === BACKSLASH) {
        escaped = true;
        i++;
      }
      i++;
    }
    strings.push(
      escaped
        ? (JSON.parse(buffer.toString('utf8', open, i + 1)) as string)
        : buffer.toString('utf8', open + 1, i),
    );
    i++;
  }
}

function section(buffer: Buffer, name: string, from: 'first' | 'last'): number {
  const marker = `"${name}":[`;
  const at = from === 'first' ? buffer.indexOf(marker) : buffer.lastIndexOf(marker);
  if (at < 0) throw new Error(`heap snapshot: no ${name}`);
  return at + marker.length;
}

export function parseHeapSnapshot(buffer: Buffer): Snapshot {
  const nodesAt = section(buffer, 'nodes', 'first');
  const header = buffer.toString('utf8', 0, nodesAt - '"nodes":['.length).replace(/,\s*$/, '');
  const { snapshot } = JSON.parse(`${header}}`) as {
    snapshot: { meta: Meta; node_count: number; edge_count: number };
  };
  const nodes = new Uint32Array(snapshot.node_count * snapshot.meta.node_fields.length);
  const edges = new Uint32Array(snapshot.edge_count * snapshot.meta.edge_fields.length);
  if (readIntegers(buffer, nodesAt, nodes) !== nodes.length) throw new Error('heap snapshot: node count');
  if (readIntegers(buffer, section(buffer, 'edges', 'first'), edges) !== edges.length)
    throw new Error('heap snapshot: edge count');
  return {
    meta: snapshot.meta,
    nodes,
    edges,
    strings: readStrings(buffer, section(buffer, 'strings', 'last')),
  };
}

/** One summary of several snapshots (the isolates of one process): classes added up, retainers merged. */
export async function summarizeHeapSnapshotFiles(files: readonly string[], top = 25): Promise<HeapSummary> {
  const summaries: HeapSummary[] = [];
  for (const file of files)
    summaries.push(summarizeHeapSnapshot(parseHeapSnapshot(await readFile(file)), top));
  const classes = new Map<string, ClassSummary>();
  for (const summary of summaries.flatMap((s) => s.classes)) {
    const sum = classes.get(summary.name) ?? { name: summary.name, count: 0, selfSize: 0, retainedSize: 0 };
    sum.count += summary.count;
    sum.selfSize += summary.selfSize;
    sum.retainedSize += summary.retainedSize;
    classes.set(summary.name, sum);
  }
  return {
    nodes: summaries.reduce((total, s) => total + s.nodes, 0),
    edges: summaries.reduce((total, s) => total + s.edges, 0),
    totalSize: summaries.reduce((total, s) => total + s.totalSize, 0),
    classes: [...classes.values()],
    retainers: summaries
      .flatMap((s) => s.retainers)
      .sort((a, b) => b.retainedSize - a.retainedSize)
      .slice(0, top),
  };
}

/** Dominators by Cooper, Harvey and Kennedy's iteration over the reverse postorder; weak edges ignored. */
export function summarizeHeapSnapshot(snapshot: Snapshot, top = 25): HeapSummary {
  const { meta, nodes, edges, strings } = snapshot;
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const nodeCount = nodes.length / nodeFields;
  const TYPE = meta.node_fields.indexOf('type');
  const NAME = meta.node_fields.indexOf('name');
  const SELF = meta.node_fields.indexOf('self_size');
  const EDGE_COUNT = meta.node_fields.indexOf('edge_count');
  const EDGE_TYPE = meta.edge_fields.indexOf('type');
  const EDGE_NAME = meta.edge_fields.indexOf('name_or_index');
  const TO = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const WEAK = edgeTypes.indexOf('weak');
  const nameIndexed = new Set(['element', 'hidden'].map((type) => edgeTypes.indexOf(type)));

  const firstEdge = new Uint32Array(nodeCount + 1);
  for (let n = 0; n < nodeCount; n++) firstEdge[n + 1] = firstEdge[n]! + nodes[n * nodeFields + EDGE_COUNT]!;
  const target = (edge: number) => edges[edge * edgeFields + TO]! / nodeFields;
  const strong = (edge: number) => edges[edge * edgeFields + EDGE_TYPE] !== WEAK;

  // Classes: a constructor's name for objects, a kind in parentheses for the rest (as DevTools groups them).
  const classIds = new Uint32Array(nodeCount);
  const classNames: string[] = [];
  const classIndex = new Map<string, number>();
  /** The root, (GC roots) and the like: groupings of V8's, not objects. */
  const synthetic = new Set<number>();
  for (let n = 0; n < nodeCount; n++) {
    const type = nodeTypes[nodes[n * nodeFields + TYPE]!]!;
    const name = strings[nodes[n * nodeFields + NAME]!] ?? '';
    const label = className(type, name);
    let id = classIndex.get(label);
    if (id === undefined) {
      id = classNames.length;
      classNames.push(label);
      classIndex.set(label, id);
      if (type === 'synthetic') synthetic.add(id);
    }
    classIds[n] = id;
  }

  // Depth-first postorder from the root (node 0) over strong edges.
  const NONE = 0xffffffff;
  const order = new Uint32Array(nodeCount).fill(NONE);
  const byOrder = new Uint32Array(nodeCount);
  let visited = 0;
  {
    const stack = new Uint32Array(nodeCount);
    const nextEdge = new Uint32Array(nodeCount);
    const seen = new Uint8Array(nodeCount);
    let depth = 0;
    stack[0] = 0;
    seen[0] = 1;
    nextEdge[0] = firstEdge[0]!;
    while (depth >= 0) {
      const node = stack[depth]!;
      let edge = nextEdge[node]!;
      let descended = false;
      for (; edge < firstEdge[node + 1]!; edge++) {
        if (!strong(edge)) continue;
        const to = target(edge);
        if (seen[to]) continue;
        seen[to] = 1;
        nextEdge[node] = edge + 1;
        stack[++depth] = to;
        nextEdge[to] = firstEdge[to]!;
        descended = true;
        break;
      }
      if (descended) continue;
      order[node] = visited;
      byOrder[visited++] = node;
      depth--;
    }
  }

  // Retainers (predecessors) over strong edges, by postorder number.
  const predecessorStart = new Uint32Array(visited + 1);
  for (let n = 0; n < nodeCount; n++) {
    if (order[n] === NONE) continue;
    for (let edge = firstEdge[n]!; edge < firstEdge[n + 1]!; edge++)
      if (strong(edge)) predecessorStart[order[target(edge)]! + 1]!++;
  }
  for (let i = 0; i < visited; i++) predecessorStart[i + 1] = predecessorStart[i + 1]! + predecessorStart[i]!;
  const predecessors = new Uint32Array(predecessorStart[visited]!);
  const filled = predecessorStart.slice(0, visited);
  for (let n = 0; n < nodeCount; n++) {
    if (order[n] === NONE) continue;
    for (let edge = firstEdge[n]!; edge < firstEdge[n + 1]!; edge++)
      if (strong(edge)) predecessors[filled[order[target(edge)]!]!++] = order[n]!;
  }

  const root = visited - 1;
  const dominator = new Uint32Array(visited).fill(NONE);
  dominator[root] = root;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (a < b) a = dominator[a]!;
      while (b < a) b = dominator[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = root - 1; i >= 0; i--) {
      let idom = NONE;
      for (let p = predecessorStart[i]!; p < predecessorStart[i + 1]!; p++) {
        const predecessor = predecessors[p]!;
        if (dominator[predecessor] === NONE) continue;
        idom = idom === NONE ? predecessor : intersect(predecessor, idom);
      }
      if (dominator[i] !== idom) {
        dominator[i] = idom;
        changed = true;
      }
    }
  }

  const selfOf = (i: number) => nodes[byOrder[i]! * nodeFields + SELF]!;
  const retained = new Float64Array(visited);
  let totalSize = 0;
  for (let i = 0; i < visited; i++) {
    retained[i]! += selfOf(i);
    totalSize += selfOf(i);
    if (i !== root) retained[dominator[i]!] = retained[dominator[i]!]! + retained[i]!;
  }

  // Per class: count, self size, and retained size of the objects not dominated by one of their own class.
  const classCount = new Float64Array(classNames.length);
  const classSelf = new Float64Array(classNames.length);
  const classRetained = new Float64Array(classNames.length);
  const childStart = new Uint32Array(visited + 1);
  for (let i = 0; i < root; i++) childStart[dominator[i]! + 1]!++;
  for (let i = 0; i < visited; i++) childStart[i + 1] = childStart[i + 1]! + childStart[i]!;
  const children = new Uint32Array(childStart[visited]!);
  const childFilled = childStart.slice(0, visited);
  for (let i = 0; i < root; i++) children[childFilled[dominator[i]!]!++] = i;
  const open = new Uint32Array(classNames.length);
  const stack = new Uint32Array(visited);
  const nextChild = new Uint32Array(visited);
  let depth = 0;
  stack[0] = root;
  nextChild[root] = childStart[root]!;
  enter(root);
  while (depth >= 0) {
    const i = stack[depth]!;
    if (nextChild[i]! < childStart[i + 1]!) {
      const child = children[nextChild[i]!++]!;
      stack[++depth] = child;
      nextChild[child] = childStart[child]!;
      enter(child);
    } else {
      open[classIds[byOrder[i]!]!]!--;
      depth--;
    }
  }
  function enter(i: number) {
    const id = classIds[byOrder[i]!]!;
    classCount[id]! += 1;
    classSelf[id]! += selfOf(i);
    if (open[id] === 0) classRetained[id] = classRetained[id]! + retained[i]!;
    open[id]!++;
  }

  const classes = classNames
    .map((name, id) => ({
      name,
      count: classCount[id]!,
      selfSize: classSelf[id]!,
      retainedSize: classRetained[id]!,
    }))
    .filter((summary, id) => summary.count > 0 && !synthetic.has(id));

  // The largest single retainers among objects, closures and native objects, with their dominator path;
  // one that only wraps another (which holds 90% of what it retains) gives way to that one.
  const candidates: number[] = [];
  const largestPart = new Float64Array(visited);
  for (let i = 0; i < root; i++) {
    const type = nodeTypes[nodes[byOrder[i]! * nodeFields + TYPE]!];
    if (type !== 'object' && type !== 'closure' && type !== 'native') continue;
    candidates.push(i);
    largestPart[dominator[i]!] = Math.max(largestPart[dominator[i]!]!, retained[i]!);
  }
  const wrapsAnother = (i: number) => largestPart[i]! >= 0.9 * retained[i]!;
  candidates.sort((a, b) => retained[b]! - retained[a]!);
  const edgeName = (from: number, to: number) => {
    const node = byOrder[from]!;
    for (let edge = firstEdge[node]!; edge < firstEdge[node + 1]!; edge++) {
      if (target(edge) !== byOrder[to]) continue;
      const raw = edges[edge * edgeFields + EDGE_NAME]!;
      return nameIndexed.has(edges[edge * edgeFields + EDGE_TYPE]!) ? `.[${raw}]` : `.${strings[raw] ?? '?'}`;
    }
    // Dominated without a direct reference: held through several paths that meet here.
    return ' …';
  };
  const label = (i: number) => classNames[classIds[byOrder[i]!]!]!;
  const retainers = candidates
    .filter((i) => !wrapsAnother(i))
    .slice(0, top)
    .map((i) => {
      const hops: string[] = [];
      let at = i;
      for (; at !== root && hops.length < 6; at = dominator[at]!)
        hops.unshift(`${edgeName(dominator[at]!, at)} → ${label(at)}`);
      return {
        name: label(i),
        path: at === root ? hops : [label(at), ...hops],
        retainedSize: retained[i]!,
        selfSize: selfOf(i),
      };
    });
  return { nodes: nodeCount, edges: edges.length / edgeFields, totalSize, classes, retainers };
}

function className(type: string, name: string): string {
  switch (type) {
    case 'object':
    case 'native':
    case 'synthetic':
      return name || `(${type})`;
    case 'closure':
      return `${name || '(anonymous)'}()`;
    case 'hidden':
      return name.startsWith('system / ') ? `(${name})` : '(system)';
    case 'array':
      return name.startsWith('(') ? name : '(array)';
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return '(string)';
    case 'code':
      return '(compiled code)';
    case 'number':
      return '(heap number)';
    default:
      return `(${type})`;
  }
}
