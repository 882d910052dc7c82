import { relative } from "node:path";
import { deepEqual, type SchemaObject } from "../json";
import {
  BASELINE_DIR,
  type Baseline,
  type Deprecation,
  formatWithBiome,
  readBaseline,
  writeDeprecations,
  writeReleasedVersion,
} from "./baseline";
import { type CheckOptions, type CompatibilityReport, checkCompatibility } from "./check";
import { type Contract, registryContracts } from "./contracts";

export interface ReleasePlan {
  /** Versions not in the baseline yet, to be written. */
  versions: { message: string; version: string; schema: SchemaObject }[];
  /** Messages whose released deprecation windows change (added, extended or withdrawn). */
  deprecations: { message: string; windows: Record<string, Deprecation> }[];
  /** The compatibility check the release is refused on. */
  report: CompatibilityReport;
  refused: boolean;
}

/**
 * What `keel contracts release` would do: add every registry version the baseline lacks, and
 * record the registry's deprecation windows of released versions. Refused while the check finds
 * a violation — a released version whose schema changed is one (RELEASED_VERSION_CHANGED or a
 * breaking rule): released schemas are never rewritten.
 */
export function planRelease(
  baseline: Baseline,
  contracts: readonly Contract[],
  options: CheckOptions = {},
): ReleasePlan {
  const report = checkCompatibility(baseline, contracts, options);
  const versions: ReleasePlan["versions"] = [];
  const deprecations: ReleasePlan["deprecations"] = [];
  for (const contract of contracts) {
    const released = baseline.get(contract.name);
    for (const version of contract.versions) {
      if (!released?.versions.has(version.version)) {
        versions.push({ message: contract.name, version: version.version, schema: version.schema });
      }
    }
    const before = released?.deprecations ?? {};
    const windows: Record<string, Deprecation> = { ...before };
    for (const version of contract.versions) {
      // Withdrawing a deprecation is the longest possible extension of its window.
      if (version.deprecated) windows[version.version] = { ...version.deprecated };
      else delete windows[version.version];
    }
    if (!deepEqual(before, windows)) deprecations.push({ message: contract.name, windows });
  }
  return { versions, deprecations, report, refused: report.violations.length > 0 };
}

export interface ReleaseOptions extends CheckOptions {
  dir?: string;
  contracts?: readonly Contract[];
  /** Format the written files with Biome (default true; off for folders outside the repository). */
  format?: boolean;
}

export interface ReleaseResult {
  plan: ReleasePlan;
  /** Files written, relative to the working directory. */
  written: string[];
}

export function release(options: ReleaseOptions = {}): ReleaseResult {
  const dir = options.dir ?? BASELINE_DIR;
  const plan = planRelease(readBaseline(dir), options.contracts ?? registryContracts(), options);
  if (plan.refused) return { plan, written: [] };
  const files = [
    ...plan.versions.map(({ message, version, schema }) => writeReleasedVersion(dir, message, version, schema)),
    ...plan.deprecations.map(({ message, windows }) => writeDeprecations(dir, message, windows)),
  ];
  if (options.format ?? true) formatWithBiome(files);
  return { plan, written: files.map((file) => relative(process.cwd(), file)) };
}
