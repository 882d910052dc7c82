/**
 * `npm run bench`: runs every part under bench/parts/ in order, prints each part's table and
 * writes everything measured to bench/results/latest.json.
 *
 *   npm run bench                          every part
 *   npm run bench -- --only bundles,ingress
 *   npm run bench -- --markdown            tables in Markdown (for the README)
 *   npm run bench -- --list                the parts, without running them
 *
 * Other `--name value` options reach the parts (each documents its own).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describeMachine, type Machine, machineLine } from "./lib/machine";
import type { Part, PartResult } from "./lib/part";
import { Progress } from "./lib/progress";
import { markdownTable, textTable } from "./lib/table";

const ROOT = resolve(__dirname, "..");
const PARTS_DIR = join(__dirname, "parts");
const RESULTS = join(__dirname, "results", "latest.json");

interface PartRecord extends PartResult {
  title: string;
  date: string;
  machine: Machine;
  seconds: number;
}

interface Results {
  date: string;
  machine: Machine;
  parts: Record<string, PartRecord>;
}

function parseArguments(argv: readonly string[]): Record<string, string | true> {
  const options: Record<string, string | true> = {};
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] as string;
    if (!argument.startsWith("--")) throw new Error(`unexpected argument ${argument} (options are --name [value])`);
    const [name, inline] = argument.slice(2).split("=", 2) as [string, string | undefined];
    const next = argv[index + 1];
    if (inline !== undefined) options[name] = inline;
    else if (next !== undefined && !next.startsWith("--")) {
      options[name] = next;
      index += 1;
    } else options[name] = true;
  }
  return options;
}

function isPart(value: unknown): value is Part {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Part).name === "string" &&
    typeof (value as Part).run === "function"
  );
}

/** Every part under bench/parts/, in order. */
async function loadParts(): Promise<Part[]> {
  const parts: Part[] = [];
  for (const file of readdirSync(PARTS_DIR)
    .filter((name) => /\.[cm]?ts$/.test(name))
    .sort()) {
    const loaded = (await import(pathToFileURL(join(PARTS_DIR, file)).href)) as Record<string, unknown>;
    // A default export, also when the module system wrapped it once more; or a named `part`.
    const candidates = [loaded.default, (loaded.default as Record<string, unknown> | undefined)?.default, loaded.part];
    const part = candidates.find(isPart);
    if (!part) throw new Error(`bench/parts/${file} exports no part ({ name, run })`);
    parts.push(part);
  }
  return parts.sort((a, b) => (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name));
}

function previousResults(): Results | undefined {
  if (!existsSync(RESULTS)) return undefined;
  try {
    return JSON.parse(readFileSync(RESULTS, "utf8")) as Results;
  } catch {
    return undefined;
  }
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const parts = await loadParts();
  if (options.list) {
    for (const part of parts) process.stdout.write(`${part.name.padEnd(12)} ${part.title}\n`);
    return;
  }
  const only = typeof options.only === "string" ? options.only.split(",").map((name) => name.trim()) : undefined;
  const unknown = only?.filter((name) => !parts.some((part) => part.name === name)) ?? [];
  if (unknown.length > 0) {
    throw new Error(`no part named ${unknown.join(", ")} (parts: ${parts.map((part) => part.name).join(", ")})`);
  }
  const selected = only ? parts.filter((part) => only.includes(part.name)) : parts;
  const machine = describeMachine();
  process.stdout.write(`Keel bench — ${machineLine(machine)}\n`);

  // A run of some parts keeps the other parts' latest results.
  const results: Results = { date: machine.date, machine, parts: { ...(only ? previousResults()?.parts : {}) } };
  let failed = 0;
  for (const part of selected) {
    const progress = new Progress(part.name);
    const workDir = join(ROOT, ".keel", "bench", part.name);
    mkdirSync(workDir, { recursive: true });
    const started = performance.now();
    process.stdout.write(`\n## ${part.name}: ${part.title}\n`);
    try {
      const result = await part.run({
        root: ROOT,
        workDir,
        machine,
        progress: (line) => progress.update(line),
        log: (line) => progress.log(line),
        options,
      });
      progress.done();
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      process.stdout.write(`${options.markdown ? markdownTable(result.rows) : textTable(result.rows)}\n`);
      for (const note of result.notes ?? []) process.stdout.write(`${note}\n`);
      process.stdout.write(`(${part.name}: ${seconds} s)\n`);
      results.parts[part.name] = { title: part.title, date: new Date().toISOString(), machine, seconds, ...result };
    } catch (error) {
      progress.done();
      failed += 1;
      process.stderr.write(`${part.name} failed: ${(error as Error).stack ?? error}\n`);
    }
  }

  mkdirSync(join(__dirname, "results"), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nwrote ${RESULTS.slice(ROOT.length + 1)}\n`);
  if (failed > 0) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
});
