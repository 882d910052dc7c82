import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { REPO_ROOT, SERVICES_DIR } from "@keel/serverless";
import { isRecord } from "../json";
import type { Example } from "./check";

/** Where example messages live: every service's sample events, and the contracts' fixtures. */
export function exampleFiles(): string[] {
  const services = existsSync(SERVICES_DIR)
    ? readdirSync(SERVICES_DIR).map((service) => join(SERVICES_DIR, service, "events"))
    : [];
  const folders = [...services, join(REPO_ROOT, "shared", "contracts", "test", "fixtures")];
  return folders
    .filter((folder) => existsSync(folder))
    .flatMap((folder) =>
      readdirSync(folder)
        .filter((file) => file.endsWith(".json"))
        .map((file) => join(folder, file)),
    );
}

/**
 * Every message envelope found in the example files (at the top, as an EventBridge event's
 * `detail`, or nested in a test event), by message name and `schemaVersion`: the data an
 * upcaster of a later major must turn into valid data.
 */
export function collectExamples(files: readonly string[] = exampleFiles()): Example[] {
  const examples: Example[] = [];
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      continue;
    }
    for (const envelope of envelopesIn(parsed, 0)) {
      const meta = envelope.meta as Record<string, unknown>;
      const name = meta.messageType === "command" ? meta.commandName : meta.eventName;
      if (typeof name !== "string" || typeof meta.schemaVersion !== "string") continue;
      examples.push({
        message: name,
        version: meta.schemaVersion,
        data: envelope.data,
        origin: relative(REPO_ROOT, file),
      });
    }
  }
  return examples;
}

function envelopesIn(value: unknown, depth: number): Record<string, unknown>[] {
  if (depth > 6) return [];
  if (typeof value === "string" && value.startsWith("{")) {
    try {
      return envelopesIn(JSON.parse(value), depth + 1);
    } catch {
      return [];
    }
  }
  if (Array.isArray(value)) return value.flatMap((item) => envelopesIn(item, depth + 1));
  if (!isRecord(value)) return [];
  if (isRecord(value.meta) && "data" in value) return [value];
  return Object.values(value).flatMap((item) => envelopesIn(item, depth + 1));
}
