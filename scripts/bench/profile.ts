/**
 * `--profile`: a V8 CPU profile of the bench process (load generator, sequencer, indexer and API,
 * all in-process) over each scenario's timed window, through the inspector protocol (what
 * `node --cpu-prof` records, limited to the window). The raw profile is written next to
 * results.json (open it in Chrome DevTools or speedscope); results.json and the report carry the
 * functions with the most self time, so the limit of each mode is named from a measurement.
 */
import { Session } from "node:inspector/promises";

import type { Profiler } from "node:inspector";

type Profile = Profiler.Profile;

export type { Profile };

export interface HotFunction {
  /** Function name and where it is (package or file:line). */
  function: string;
  selfMs: number;
  /** Share of the window's non-idle samples. */
  share: number;
}

export interface WindowProfile {
  profile: Profile;
  /** Milliseconds of samples in the window, and how many of them were idle (waiting on I/O). */
  totalMs: number;
  idleMs: number;
  hot: HotFunction[];
}

/** Where a frame is, short: `package/file:line` for dependencies, `dir/file:line` for ours. */
function place(url: string, line: number): string {
  if (url === "") return "(native)";
  const parts = url.replace(/^file:\/\//, "").split("/");
  const nm = parts.lastIndexOf("node_modules");
  const where = nm >= 0 ? parts.slice(nm + 1, parts[nm + 1]?.startsWith("@") ? nm + 3 : nm + 2).join("/") + "/" + parts.at(-1) : parts.slice(-2).join("/");
  return `${where}:${line + 1}`;
}

/** Self time per function of a profile, largest first (idle, program and GC kept as their own rows). */
export function hotFunctions(profile: Profile, top = 12): Omit<WindowProfile, "profile"> {
  const selfUs = new Map<number, number>();
  profile.samples?.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0)));
  const parentOf = new Map<number, Profiler.ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const byFunction = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    // The profiler's own round trip (node:inspector) is not the bench's work: left out entirely.
    if (us === 0 || node.callFrame.url === "node:inspector") continue;
    total += us;
    const name = node.callFrame.functionName || "(anonymous)";
    if (name === "(idle)") {
      idle += us;
      continue;
    }
    // A native addon's function (libsecp256k1's recovery) or a WebAssembly one (hash-wasm's keccak)
    // has no useful name: name it by its caller.
    let up = parentOf.get(node.id);
    while (up !== undefined && (up.callFrame.functionName.startsWith("wasm-function") || (up.callFrame.functionName === "" && up.callFrame.url === ""))) up = parentOf.get(up.id);
    const caller = up?.callFrame;
    const nameless = (name === "(anonymous)" && node.callFrame.url === "") || name.startsWith("wasm-function");
    const key = nameless && caller !== undefined
      ? `${name.startsWith("wasm") ? "WebAssembly" : "native code"} called by ${caller.functionName || "(anonymous)"} ${place(caller.url, caller.lineNumber)}`
      : name.startsWith("(") ? name : `${name} ${place(node.callFrame.url, node.callFrame.lineNumber)}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const busy = Math.max(total - idle, 1);
  const hot = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([fn, us]) => ({ function: fn, selfMs: Math.round(us / 100) / 10, share: Math.round((us / busy) * 1000) / 1000 }));
  return { totalMs: Math.round(total / 1000), idleMs: Math.round(idle / 1000), hot };
}

export interface WindowProfiler {
  start(): Promise<void>;
  stop(): Promise<WindowProfile>;
  close(): void;
}

export function windowProfiler(): WindowProfiler {
  const session = new Session();
  session.connect();
  return {
    async start() {
      await session.post("Profiler.enable");
      await session.post("Profiler.start");
    },
    async stop() {
      const { profile } = await session.post("Profiler.stop");
      await session.post("Profiler.disable");
      return { profile, ...hotFunctions(profile) };
    },
    close: () => session.disconnect(),
  };
}
