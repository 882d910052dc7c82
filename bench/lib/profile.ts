import { Session } from "node:inspector/promises";
import { round } from "./stats";

/** V8's CPU profile (`.cpuprofile`, what `node --cpu-prof` writes and the inspector returns). */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    hitCount?: number;
    children?: number[];
    /** Samples by line (1-based) of the function's own code. */
    positionTicks?: Array<{ line: number; ticks: number }>;
  }>;
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/**
 * Who owns a line of code: a package, a workspace, a runtime's internals. `undefined` leaves the
 * line to the default (the package of its file); `""` makes it count for its caller (glue code,
 * such as a bundler's module wrappers).
 */
export type OwnerOf = (url: string, line: number) => string | undefined;

/** Owners whose time is spent on a caller's behalf: compiling and loading a module, builtins. */
const ON_BEHALF = new Set(["(root)", "(node internals)", "(V8 builtins)", ""]);

export interface ProfileSummary {
  /** Wall time the profile covers, and how much of it the thread was busy (not idle). */
  totalMs: number;
  busyMs: number;
  /** Self time by owner, most first. */
  owners: Array<{ owner: string; selfMs: number; share: number }>;
  /** Self time by function, most first. */
  functions: Array<{ name: string; owner: string; where: string; selfMs: number; share: number }>;
}

/** The package of a path: `node_modules/@aws-sdk/x/…` → `@aws-sdk/x`; `shared/local/…` → `@keel/local`. */
export function ownerOfPath(path: string): string {
  const normalized = path.replace(/^file:\/\//, "").replaceAll("\\", "/");
  const at = normalized.lastIndexOf("node_modules/");
  if (at >= 0) {
    const [scope, name] = normalized.slice(at + 13).split("/");
    return scope?.startsWith("@") ? `${scope}/${name}` : (scope ?? normalized);
  }
  const shared = /(?:^|\/)shared\/([^/]+)\//.exec(normalized);
  if (shared) return `@keel/${shared[1]}`;
  const service = /(?:^|\/)services\/([^/]+)\//.exec(normalized);
  if (service) return `services/${service[1]}`;
  const bench = /(?:^|\/)bench\//.exec(normalized);
  if (bench) return "bench";
  return normalized;
}

function defaultOwner(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(V8 builtins)";
  if (url.startsWith("node:")) return "(node internals)";
  return ownerOfPath(url);
}

/**
 * Where the code of a bundle came from, by line: esbuild writes `// <path>` before each module of
 * an unminified bundle. Profiles of such a bundle can then be summarised by package.
 */
export function bundleLineOwners(code: string): (line: number) => string | undefined {
  const marks: Array<{ line: number; owner: string }> = [];
  code.split("\n").forEach((text, line) => {
    const match = /^\s*\/\/ ((?:\.\.\/)*(?:node_modules|shared|services|bench|\.keel)\/\S+\.(?:[cm]?[jt]s|json))$/.exec(
      text,
    );
    if (match) marks.push({ line, owner: ownerOfPath(match[1] as string) });
  });
  return (line) => {
    let low = 0;
    let high = marks.length - 1;
    let found: string | undefined;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const mark = marks[middle] as { line: number; owner: string };
      if (mark.line <= line) {
        found = mark.owner;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found;
  };
}

export interface SummaryOptions {
  ownerOf?: OwnerOf;
  top?: number;
  /**
   * Owners by who caused the work: the time of Node's internals, V8's builtins and glue code
   * counts for the nearest caller with an owner of its own (loading a module counts for the
   * package that required it). Functions stay by self time.
   */
  inherit?: boolean;
}

/** Self time per function and per owner. */
export function summariseProfile(profile: CpuProfile, options: SummaryOptions = {}): ProfileSummary {
  const top = options.top ?? 12;
  const ownOwner = (node: CpuProfile["nodes"][number]) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const owned = url ? options.ownerOf?.(url, lineNumber) : undefined;
    return owned ?? defaultOwner(url, functionName);
  };
  const inherited = new Map<number, string>();
  if (options.inherit) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const children = new Set(profile.nodes.flatMap((node) => node.children ?? []));
    const stack: Array<{ id: number; parent: string | undefined }> = profile.nodes
      .filter((node) => !children.has(node.id))
      .map((node) => ({ id: node.id, parent: undefined }));
    while (stack.length > 0) {
      const { id, parent } = stack.pop() as { id: number; parent: string | undefined };
      const node = byId.get(id);
      if (!node) continue;
      const own = ownOwner(node);
      const owner = ON_BEHALF.has(own) && parent !== undefined ? parent : own;
      inherited.set(id, owner);
      for (const child of node.children ?? [])
        stack.push({ id: child, parent: ON_BEHALF.has(owner) ? undefined : owner });
    }
  }
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // A sample's time is the interval until the next sample.
  for (let index = 0; index < samples.length; index += 1) {
    const id = samples[index] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[index + 1] ?? 0));
  }
  const owners = new Map<string, number>();
  const functions = new Map<string, { name: string; owner: string; where: string; us: number }>();
  let busyUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    if (functionName === "(idle)") continue;
    busyUs += us;
    const owner = inherited.get(node.id) || ownOwner(node) || "(glue)";
    // One function can hold the code of many owners (a bundle's top level): split by line.
    const ticks = node.positionTicks ?? [];
    const allTicks = ticks.reduce((total, entry) => total + entry.ticks, 0);
    if (url && options.ownerOf && allTicks > 0) {
      for (const entry of ticks) {
        const byLine = options.ownerOf(url, entry.line - 1) || owner;
        owners.set(byLine, (owners.get(byLine) ?? 0) + (us * entry.ticks) / allTicks);
      }
    } else owners.set(owner, (owners.get(owner) ?? 0) + us);
    const file = url
      ? url
          .replace(/^file:\/\//, "")
          .split("/")
          .slice(-2)
          .join("/")
      : "";
    const where = file ? `${file}:${lineNumber + 1}:${columnNumber + 1}` : "";
    const name = functionName || "(anonymous)";
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { name, owner, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
  }
  const share = (us: number) => (busyUs > 0 ? round((100 * us) / busyUs, 1) : 0);
  return {
    totalMs: round((profile.endTime - profile.startTime) / 1000, 1),
    busyMs: round(busyUs / 1000, 1),
    owners: [...owners]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([owner, us]) => ({ owner, selfMs: round(us / 1000, 2), share: share(us) })),
    functions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((entry) => ({
        name: entry.name,
        owner: entry.owner,
        where: entry.where,
        selfMs: round(entry.us / 1000, 2),
        share: share(entry.us),
      })),
  };
}

/** Merges several profiles' summaries' raw material: profiles are summarised together by concatenation. */
export function mergeProfiles(profiles: readonly CpuProfile[]): CpuProfile {
  const nodes: CpuProfile["nodes"] = [];
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let offset = 0;
  let span = 0;
  for (const profile of profiles) {
    let highest = 0;
    for (const node of profile.nodes) {
      nodes.push({ ...node, id: node.id + offset, children: node.children?.map((child) => child + offset) });
      highest = Math.max(highest, node.id);
    }
    const own = profile.samples ?? [];
    own.forEach((id, index) => {
      samples.push(id + offset);
      timeDeltas.push(index === 0 ? 0 : (profile.timeDeltas?.[index] ?? 0));
    });
    offset += highest + 1;
    span += profile.endTime - profile.startTime;
  }
  return { nodes, samples, timeDeltas, startTime: 0, endTime: span };
}

/** Profiles this thread (the main thread or a worker) while `work` runs. */
export async function profileThisThread<T>(
  work: () => Promise<T>,
  intervalUs = 200,
): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: intervalUs });
    await session.post("Profiler.start");
    const result = await work();
    const { profile } = (await session.post("Profiler.stop")) as { profile: CpuProfile };
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

/** `owner 41% (12.3 ms)` lines, for a part's notes. */
export function ownerLines(summary: ProfileSummary, perOperation?: { count: number; unit: string }): string[] {
  return summary.owners.map((entry) => {
    const each = perOperation
      ? `, ${round((entry.selfMs / perOperation.count) * 1000, 0)} µs/${perOperation.unit}`
      : "";
    return `${entry.owner.padEnd(40)} ${String(entry.share).padStart(5)}%  ${entry.selfMs} ms${each}`;
  });
}

/**
 * Profiles this thread and every worker thread of this process while `work` runs (the local
 * runtime runs each function instance in a worker): the main thread through the inspector, the
 * workers through its NodeWorker domain.
 */
export async function profileWithWorkers<T>(
  work: () => Promise<T>,
  intervalUs = 200,
): Promise<{ result: T; main: CpuProfile; workers: Array<{ title: string; url: string; profile: CpuProfile }> }> {
  const session = new Session();
  session.connect();
  const workers = new Map<string, { title: string; url: string }>();
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  session.on("NodeWorker.attachedToWorker", (message) => {
    const params = message.params as { sessionId: string; workerInfo: { title: string; url: string } };
    workers.set(params.sessionId, { title: params.workerInfo.title, url: params.workerInfo.url });
  });
  session.on("NodeWorker.receivedMessageFromWorker", (message) => {
    const reply = JSON.parse((message.params as { message: string }).message) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
    };
    const waiting = reply.id === undefined ? undefined : pending.get(reply.id);
    if (!waiting || reply.id === undefined) return;
    pending.delete(reply.id);
    if (reply.error) waiting.reject(new Error(reply.error.message));
    else waiting.resolve(reply.result);
  });
  const toWorker = (sessionId: string, method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId;
      nextId += 1;
      pending.set(id, { resolve, reject });
      session
        .post("NodeWorker.sendMessageToWorker", { sessionId, message: JSON.stringify({ id, method, params }) })
        .catch(reject);
    });
  try {
    await session.post("NodeWorker.enable", { waitForDebuggerOnStart: false });
    // Workers already running are reported as soon as the domain is enabled.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const attached = [...workers.keys()];
    for (const id of attached) {
      await toWorker(id, "Profiler.enable");
      await toWorker(id, "Profiler.setSamplingInterval", { interval: intervalUs });
      await toWorker(id, "Profiler.start");
    }
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: intervalUs });
    await session.post("Profiler.start");
    const result = await work();
    const { profile: main } = (await session.post("Profiler.stop")) as { profile: CpuProfile };
    const profiles: Array<{ title: string; url: string; profile: CpuProfile }> = [];
    for (const id of attached) {
      const { profile } = (await toWorker(id, "Profiler.stop")) as { profile: CpuProfile };
      profiles.push({ ...(workers.get(id) as { title: string; url: string }), profile });
    }
    await session.post("NodeWorker.disable");
    return { result, main, workers: profiles };
  } finally {
    session.disconnect();
  }
}

/** Owners for the runtime's profiles: the local runtime by component, the SDK as one, bundles by function. */
export function runtimeOwner(url: string): string | undefined {
  const path = url.replace(/^file:\/\//, "");
  const local = /\/shared\/local\/src\/([^/.]+)/.exec(path);
  if (local) return `@keel/local ${local[1]}`;
  if (/\/node_modules\/(@aws-sdk|@smithy|@aws-crypto)\//.test(path)) return "AWS SDK";
  const bundle = /\/build\/([^/]+)\/src\/handlers\/([^/.]+)\.js$/.exec(path);
  if (bundle) return `function code (${bundle[1]}/${bundle[2]}, minified)`;
  if (/\/bench\//.test(path) && !path.includes("/.keel/")) return "bench client";
  return path.includes("/node_modules/") ? ownerOfPath(path) : undefined;
}
