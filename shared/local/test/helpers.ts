import { cp, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "@keel/serverless";
import { type LocalRuntime, type RuntimeRecord, type StartOptions, startLocal } from "../src";

export const FIXTURES = join(__dirname, "fixtures", "services");
export const fixture = (name: string) => ({ name, dir: join(FIXTURES, name) });

export const clientConfig = (runtime: LocalRuntime, endpoint = runtime.endpoints.eventbridge) => ({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});

/** A runtime on free ports, in memory, with AWS-side delays 100× shorter. */
export async function startTestRuntime(options: Partial<StartOptions> = {}) {
  const records: RuntimeRecord[] = [];
  const runtime = await startLocal({
    inMemory: true,
    ports: { http: 0, aws: 0, dynamodb: 0 },
    timeScale: 0.01,
    functionLogs: "capture",
    services: [fixture("alpha"), fixture("beta")],
    onRecord: (record) => records.push(record),
    ...options,
  });
  return { runtime, records };
}

/**
 * A copy of fixture services inside the repository (so their plugins resolve), to edit a
 * serverless.yml for one test.
 */
export async function copyFixtures(...names: string[]) {
  const root = join(
    REPO_ROOT,
    ".keel",
    "test-services",
    `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
  );
  await mkdir(root, { recursive: true });
  for (const name of names) await cp(join(FIXTURES, name), join(root, name), { recursive: true });
  return { root, dir: (name: string) => join(root, name), remove: () => rm(root, { recursive: true, force: true }) };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
