import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@keel/serverless";
import type { Endpoints } from "../runtime";

/** Where the local runtime keeps its state: `.keel/` at the repository root, or `$KEEL_DATA_DIR`. */
export const dataDir = () => process.env.KEEL_DATA_DIR ?? join(REPO_ROOT, ".keel");

/** The endpoints of the running local runtime; a clear error when none is running. */
export function runningEndpoints(file = join(dataDir(), "endpoints.json")): Endpoints & { pid: number } {
  if (!existsSync(file)) throw new Error("no local runtime is running: start one with `npm start`");
  const endpoints = JSON.parse(readFileSync(file, "utf8")) as Endpoints & { pid: number };
  try {
    process.kill(endpoints.pid, 0);
  } catch {
    throw new Error(
      `the local runtime that wrote ${file} (pid ${endpoints.pid}) is not running: start one with \`npm start\``,
    );
  }
  return endpoints;
}
