import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "@keel/serverless";
import { FIXTURES } from "./helpers";

const KEEL = join(__dirname, "..", "bin", "keel.js");
const dataDir = join(REPO_ROOT, ".keel", "test-cli", `${process.pid}`);
const env = { ...process.env, KEEL_DATA_DIR: dataDir, FORCE_COLOR: "0" };

let child: ChildProcess | undefined;
afterAll(async () => {
  child?.kill("SIGKILL");
  await rm(dataDir, { recursive: true, force: true });
});

function waitForLine(
  process: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
): Promise<{ match: RegExpMatchArray; output: string }> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve({ match, output });
      }
    };
    process.stdout?.on("data", onData);
    process.stderr?.on("data", onData);
    process.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}:\n${output}`));
    });
  });
}

describe("keel start and keel token", () => {
  it("start brings every service up, is usable with plain HTTP, and Ctrl-C stops it cleanly", async () => {
    child = spawn(process.execPath, [KEEL, "start", "--port", "0", "--aws-port", "0", "--dynamodb-port", "0"], { env });
    const { match, output } = await waitForLine(child, /Ready in ([\d.]+) s/, 120_000);
    expect(Number(match[1])).toBeLessThan(60);
    const http = /HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] as string;
    const aws = /EventBridge\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] as string;
    expect(existsSync(join(dataDir, "endpoints.json"))).toBe(true);

    const notFound = await fetch(`${http}/no-such-route`);
    expect(notFound.status).toBe(404);
    const buses = await fetch(aws, {
      method: "POST",
      headers: { "x-amz-target": "AWSEvents.ListEventBuses", "content-type": "application/x-amz-json-1.1" },
      body: "{}",
    });
    const names = ((await buses.json()) as { EventBuses: Array<{ Name: string }> }).EventBuses.map((bus) => bus.Name);
    expect(names).toEqual(expect.arrayContaining(["keel-local-commands", "keel-local-events"]));

    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, "endpoints.json"))).toBe(false);
  }, 180_000);

  it("token prints a token alone on stdout that the running runtime's JWT authorizer accepts", async () => {
    child = spawn(
      process.execPath,
      [KEEL, "start", "--port", "0", "--aws-port", "0", "--dynamodb-port", "0", "--service", join(FIXTURES, "alpha")],
      { env },
    );
    const { output } = await waitForLine(child, /Ready in/, 120_000);
    const http = /HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] as string;
    const token = spawnSync(process.execPath, [KEEL, "token", "--tenant", "tenant-001", "--user", "user-123"], {
      env,
      encoding: "utf8",
    });
    expect(token.stderr).toBe("");
    expect(token.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const response = await fetch(`${http}/whoami`, { headers: { authorization: `Bearer ${token.stdout.trim()}` } });
    expect(response.status).toBe(200);
    const exited = new Promise((resolve) => child?.once("exit", resolve));
    child.kill("SIGINT");
    await exited;
  }, 180_000);

  it("token explains itself when no runtime is running, or when arguments are missing", () => {
    const none = spawnSync(process.execPath, [KEEL, "token", "--tenant", "t", "--user", "u"], {
      env,
      encoding: "utf8",
    });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain("no local runtime is running: start one with `npm start`");
    const missing = spawnSync(process.execPath, [KEEL, "token", "--tenant", "t"], { env, encoding: "utf8" });
    expect(missing.stderr).toContain("both --tenant and --user are required");
    const unknown = spawnSync(process.execPath, [KEEL, "launch"], { env, encoding: "utf8" });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown command "launch"');
  });
});
