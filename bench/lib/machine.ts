import { readFileSync } from "node:fs";
import { availableParallelism, cpus, platform, release, totalmem } from "node:os";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  date: string;
}

/** The CPU's model name as the kernel reports it (`/proc/cpuinfo`), or Node's view of it elsewhere. */
function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((entry) => /^model name\s*:/.test(entry));
    if (line) return line.slice(line.indexOf(":") + 1).trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model.trim() ?? "unknown";
}

export function describeMachine(now = new Date()): Machine {
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
    date: now.toISOString(),
  };
}

/** `AMD EPYC, 2 cores, 23.5 GiB, Node v22.23.3, linux 6.1 — 2026-11-24` */
export function machineLine(machine: Machine): string {
  return `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os} — ${machine.date.slice(0, 10)}`;
}
