import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SystemUnderTest } from "@keel/local/testing";

const COMMANDS = join(__dirname, "..", "..", "local", "src", "cli", "commands");

export interface CliRun {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Points the `keel` CLI at a running SystemUnderTest, as `keel start` would through
 * `.keel/endpoints.json`: a data folder of its own with the runtime's endpoints in it.
 */
export function cliFor(system: SystemUnderTest) {
  const dataDir = mkdtempSync(join(tmpdir(), "keel-ops-"));
  writeFileSync(
    join(dataDir, "endpoints.json"),
    JSON.stringify({
      ...system.runtime.endpoints,
      stage: system.runtime.model.stage,
      region: "us-east-1",
      pid: process.pid,
    }),
  );
  const previous = process.env.KEEL_DATA_DIR;
  process.env.KEEL_DATA_DIR = dataDir;
  return {
    dataDir,
    /** Runs `keel <name> <argv…>` in this process, capturing what it prints. */
    async run(name: "trace" | "replay" | "dlq", argv: string[]): Promise<CliRun> {
      const { command } = require(join(COMMANDS, `${name}.ts`)) as {
        command: { run(argv: string[]): Promise<void> };
      };
      let stdout = "";
      let stderr = "";
      const out = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
        stdout += String(chunk);
        return true;
      });
      const err = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
        stderr += String(chunk);
        return true;
      });
      const exitCodeBefore = process.exitCode;
      process.exitCode = undefined;
      let exitCode = 0;
      try {
        await command.run(argv);
        exitCode = Number(process.exitCode ?? 0);
      } catch (error) {
        stderr += `keel: ${(error as Error).message}\n`;
        exitCode = 1;
      } finally {
        out.mockRestore();
        err.mockRestore();
        process.exitCode = exitCodeBefore;
      }
      return { stdout, stderr, exitCode };
    },
    close() {
      if (previous === undefined) delete process.env.KEEL_DATA_DIR;
      else process.env.KEEL_DATA_DIR = previous;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const orderBody = (orderId: string, overrides: Record<string, unknown> = {}) => ({
  orderId,
  customerId: "CUST-9001",
  currency: "AUD",
  items: [{ sku: "SKU-123", qty: 1, unitPrice: 10 }],
  paymentMethodToken: "tok_abc123",
  contact: { email: "ada@example.com" },
  ...overrides,
});
