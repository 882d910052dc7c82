/**
 * `npm run fuzz`: thousands of malformed requests against the orders ingress on the local runtime.
 * Every answer must be a 4xx of the expected kind (problem+json from a function, AWS's own shape
 * from the gateway), and nothing may be published or started. Exits 1 on any violation, with the
 * first counterexamples and the smallest request fast-check shrinks the first one to.
 *
 *   npm run fuzz                               5,000 requests, a random seed
 *   npm run fuzz -- --runs 20000 --seed 42     reproducible
 *   npm run fuzz -- --concurrency 16
 *   npm run fuzz -- --seed 42 --path 17:3      replays (and shrinks) one counterexample
 */
import fc from "fast-check";
import { type FuzzReport, fuzz, fuzzProperty, shrink, startTarget } from "./harness";
import { describe } from "./requests";

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const at = args.indexOf(`--${name}`);
  if (at >= 0) return args[at + 1];
  return args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function integer(name: string, fallback: number): number {
  const value = option(name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new Error(`--${name} must be an integer, got ${value}`);
  return parsed;
}

function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
        .join("  "),
    )
    .join("\n");
}

function summary(report: FuzzReport): string {
  const count = (value: number) => value.toLocaleString("en-US");
  const totals = table([
    ["requests", count(report.requests)],
    ["seconds", report.seconds.toFixed(1)],
    ["requests/s", count(Math.round(report.requests / report.seconds))],
    ["5xx", count(report.serverErrors)],
    ["published", count(report.published)],
    ["executions started", count(report.executions)],
    ["violations", count(report.violations.length)],
  ]);
  const statuses = [...report.byStatus].sort(([a], [b]) => a.localeCompare(b));
  const byStatus = table([
    ["status (answered by)", "requests"],
    ...statuses.map(([key, value]) => [key, count(value)]),
  ]);
  const codes = [...new Set([...report.byCategory.values()].flatMap((counts) => [...counts.keys()]))].sort(
    (a, b) => a - b,
  );
  const categories = [...report.byCategory].sort(([a], [b]) => a.localeCompare(b));
  const byCategory = table([
    ["category", "requests", ...codes.map(String)],
    ...categories.map(([category, counts]) => [
      category,
      count([...counts.values()].reduce((sum, value) => sum + value, 0)),
      ...codes.map((code) => (counts.get(code) ? count(counts.get(code) ?? 0) : "·")),
    ]),
  ]);
  return `${totals}\n\n${byStatus}\n\n${byCategory}`;
}

async function main() {
  const runs = integer("runs", 5_000);
  const seed = integer("seed", Date.now() % 2 ** 31);
  const concurrency = integer("concurrency", 8);
  const path = option("path");
  const interactive = process.stderr.isTTY;
  process.stderr.write(`fuzz: starting the local runtime (seed ${seed}, ${runs} requests, ${concurrency} at a time)\n`);
  const target = await startTarget({ concurrency });
  try {
    if (path !== undefined) {
      const details = await fc.check(fuzzProperty(target), { seed, path, numRuns: 1 });
      if (!details.failed) {
        process.stdout.write(`the request at path ${path} of seed ${seed} passes\n`);
        return;
      }
      const [request] = details.counterexample ?? [];
      process.stdout.write(`${request ? describe(request) : ""}\n  => ${String(details.errorInstance)}\n`);
      process.exitCode = 1;
      return;
    }
    let lastLine = 0;
    const report = await fuzz(target, {
      runs,
      seed,
      concurrency,
      onProgress: (done, progress) => {
        const now = performance.now();
        if (done !== runs && now - lastLine < (interactive ? 250 : 5_000)) return;
        lastLine = now;
        const line = `fuzz: ${done}/${runs} · ${Math.round(done / Math.max(progress.seconds, 0.001))} req/s · 5xx ${progress.serverErrors} · violations ${progress.violations.length}`;
        process.stderr.write(interactive ? `\r${line}\u001b[K` : `${line}\n`);
      },
    });
    if (interactive) process.stderr.write("\n");
    process.stdout.write(`\n${summary(report)}\n\nseed ${seed}\n`);
    if (report.violations.length === 0 && report.published === 0 && report.executions === 0) return;
    process.exitCode = 1;
    if (report.published > 0 || report.executions > 0) {
      process.stdout.write(`\n${report.published} event(s) published and ${report.executions} execution(s) started\n`);
    }
    for (const violation of report.violations.slice(0, 5)) {
      process.stdout.write(
        `\nviolation #${violation.index}: ${violation.problems.join("; ")}\n${describe(violation.request)}\n`,
      );
    }
    const first = report.violations[0];
    if (first) {
      process.stdout.write(`\nshrinking #${first.index}...\n`);
      process.stdout.write(`${(await shrink(target, seed, first.index)) ?? "it passed when replayed alone"}\n`);
    }
  } finally {
    await target.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
