import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { serializeSchema } from "@keel/contracts/json-schema";
import { REPO_ROOT } from "@keel/serverless";
import { isRecord, type SchemaObject } from "../json";
import { compareVersions } from "./contracts";

/**
 * The published baseline: `shared/contracts/baseline/<Message>/<version>.json`, the JSON Schema
 * of every released version as it was released (never rewritten), and
 * `shared/contracts/baseline/<Message>/deprecations.json`, the released deprecation windows
 * (`{ "<version>": { acceptedUntil, note } }`): a version removed from the registry is checked
 * against them, and the registry no longer knows them then.
 */
export const BASELINE_DIR = join(REPO_ROOT, "shared", "contracts", "baseline");
export const DEPRECATIONS_FILE = "deprecations.json";

export interface Deprecation {
  acceptedUntil: string;
  note: string;
}

export interface BaselineMessage {
  name: string;
  /** Released versions, oldest first. */
  versions: Map<string, SchemaObject>;
  deprecations: Record<string, Deprecation>;
}

export type Baseline = Map<string, BaselineMessage>;

const VERSION_FILE = /^(\d+\.\d+)\.json$/;

export function readBaseline(dir: string = BASELINE_DIR): Baseline {
  const baseline: Baseline = new Map();
  if (!existsSync(dir)) return baseline;
  for (const entry of readdirSync(dir, { withFileTypes: true }).filter((candidate) => candidate.isDirectory())) {
    const folder = join(dir, entry.name);
    const files = readdirSync(folder);
    const versions = files
      .map((file) => VERSION_FILE.exec(file)?.[1])
      .filter((version): version is string => version !== undefined)
      .sort(compareVersions);
    const schemas = new Map<string, SchemaObject>();
    for (const version of versions) {
      const schema: unknown = JSON.parse(readFileSync(join(folder, `${version}.json`), "utf8"));
      if (!isRecord(schema)) throw new Error(`${join(folder, `${version}.json`)} is not a JSON Schema object`);
      schemas.set(version, schema);
    }
    const deprecations = files.includes(DEPRECATIONS_FILE)
      ? (JSON.parse(readFileSync(join(folder, DEPRECATIONS_FILE), "utf8")) as Record<string, Deprecation>)
      : {};
    baseline.set(entry.name, { name: entry.name, versions: schemas, deprecations });
  }
  return baseline;
}

/** Writes one released version's schema; refuses to overwrite one (released versions are immutable). */
export function writeReleasedVersion(dir: string, name: string, version: string, schema: SchemaObject): string {
  const file = join(dir, name, `${version}.json`);
  if (existsSync(file)) throw new Error(`${file} exists: a released version is never rewritten`);
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(file, serializeSchema(schema), { flag: "wx" });
  return file;
}

export function writeDeprecations(dir: string, name: string, deprecations: Record<string, Deprecation>): string {
  const file = join(dir, name, DEPRECATIONS_FILE);
  mkdirSync(join(dir, name), { recursive: true });
  const sorted = Object.fromEntries(Object.entries(deprecations).sort(([a], [b]) => compareVersions(a, b)));
  writeFileSync(file, serializeSchema(sorted));
  return file;
}

/**
 * Formats written files with the repository's Biome settings, so `npm run lint` accepts them.
 * Formatting changes the layout only: the check reads them as JSON.
 */
export function formatWithBiome(written: readonly string[]): void {
  // Biome formats files of the repository with its settings; a baseline elsewhere stays as written.
  const files = written.filter((file) => !relative(REPO_ROOT, file).startsWith(".."));
  if (files.length === 0) return;
  let biome: string;
  try {
    biome = require.resolve("@biomejs/biome/bin/biome", { paths: [REPO_ROOT] });
  } catch {
    return;
  }
  const result = spawnSync(process.execPath, [biome, "format", "--write", ...files], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`biome could not format the baseline:\n${result.stdout}${result.stderr}`);
  }
}
