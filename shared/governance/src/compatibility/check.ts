import type { MessageKind } from "@keel/contracts";
import { isRecord, type SchemaObject } from "../json";
import type { Baseline, BaselineMessage, Deprecation } from "./baseline";
import { type Contract, type ContractVersion, compareVersions, isVersion, majorOf } from "./contracts";
import { type CompatibilityRule, isBreaking, type Mode, modeOf, modeText, reasonOf } from "./rules";
import { diffSchemas, type SchemaChange } from "./schema-diff";

export interface CompatibilityViolation {
  message: string;
  /** The version that breaks the contract. */
  version: string;
  /** The released (or earlier) version it was compared with, when it is another one. */
  against?: string;
  /** The field, e.g. `data.items[].qty`; empty for a rule about the whole version. */
  path: string;
  rule: CompatibilityRule;
  detail: string;
}

/** An example message of some version, used to exercise upcasters (`UPCASTER_FAILED`). */
export interface Example {
  message: string;
  version: string;
  data: unknown;
  /** Where it comes from, for the report. */
  origin: string;
}

export interface CheckOptions {
  /** Today, for deprecation windows (default: now). */
  now?: Date;
  examples?: readonly Example[];
}

export interface CompatibilityReport {
  violations: CompatibilityViolation[];
  /** What is worth knowing but breaks nothing: versions not yet released, windows that ended. */
  notes: string[];
  messages: number;
  releasedVersions: number;
}

/**
 * Checks the registry's contracts against the published baseline:
 * - each released version's current schema against its released schema (the same version);
 * - every newer minor of the same major against each released version (transitively), and
 *   unreleased minors against the earlier minors;
 * - in the mode of the message's kind: events FULL, commands BACKWARD (see `rules.ts`);
 * - released versions that disappeared (`VERSION_REMOVED` unless their released deprecation
 *   window is over), new majors (`MAJOR_WITHOUT_UPCASTER`, `UPCASTER_FAILED`,
 *   `PREVIOUS_MAJOR_NOT_DEPRECATED`), and the routing of released messages (kind, source, owner).
 */
export function checkCompatibility(
  baseline: Baseline,
  contracts: readonly Contract[],
  options: CheckOptions = {},
): CompatibilityReport {
  const now = options.now ?? new Date();
  const violations: CompatibilityViolation[] = [];
  const notes: string[] = [];
  const byName = new Map(contracts.map((contract) => [contract.name, contract]));
  let releasedVersions = 0;

  for (const contract of contracts) {
    violations.push(...checkVersionList(contract));
    violations.push(...checkMajors(contract, baseline.get(contract.name)));
    violations.push(...checkUpcasters(contract, options.examples ?? []));
  }

  // Same-version comparisons first: a field removed from 1.1 in place is reported against 1.1
  // itself, and the same break seen from 1.0 is then a duplicate (see dedupe).
  const crossVersions: CompatibilityViolation[] = [];
  for (const released of baseline.values()) {
    releasedVersions += released.versions.size;
    const contract = byName.get(released.name);
    const latest = [...released.versions.values()].at(-1);
    const kind = releasedKind(latest) ?? contract?.kind ?? "event";
    if (contract && latest) violations.push(...checkRouting(released.name, latest, contract));
    if (contract) violations.push(...checkDeprecationWindows(released, contract));

    for (const [version, schema] of released.versions) {
      const current = contract?.versions.find((candidate) => candidate.version === version);
      if (!contract || !current) {
        const outcome = removal(released, version, now);
        if (outcome.violation) violations.push(outcome.violation);
        else notes.push(outcome.note);
        continue;
      }
      violations.push(...sameVersion(released.name, kind, version, schema, current.schema));
      for (const newer of newerMinors(contract, version)) {
        crossVersions.push(...crossVersion(released.name, kind, version, schema, newer, "released"));
      }
    }
  }

  violations.push(...crossVersions);

  for (const contract of contracts) {
    const released = baseline.get(contract.name);
    const unreleased = contract.versions.filter((version) => !released?.versions.has(version.version));
    if (unreleased.length > 0) {
      notes.push(
        `${contract.name} ${unreleased.map((version) => version.version).join(", ")}: not released yet (keel contracts release)`,
      );
    }
    for (const earlier of unreleased) {
      for (const newer of newerMinors(contract, earlier.version)) {
        violations.push(
          ...crossVersion(contract.name, contract.kind, earlier.version, earlier.schema, newer, "unreleased"),
        );
      }
    }
  }

  return { violations: dedupe(violations), notes, messages: byName.size, releasedVersions };
}

const dataOf = (schema: SchemaObject): unknown => (isRecord(schema.properties) ? schema.properties.data : undefined);

const isData = (path: string) => path === "data" || path.startsWith("data.") || path.startsWith("data[");

function releasedKind(schema: SchemaObject | undefined): MessageKind | undefined {
  const keel = schema?.["x-keel"];
  return isRecord(keel) && (keel.kind === "command" || keel.kind === "event") ? keel.kind : undefined;
}

function newerMinors(contract: Contract, version: string): ContractVersion[] {
  return contract.versions.filter(
    (candidate) => majorOf(candidate.version) === majorOf(version) && compareVersions(candidate.version, version) > 0,
  );
}

function violationOf(
  message: string,
  kind: MessageKind,
  version: string,
  change: SchemaChange,
  against?: { version: string; state: "released" | "unreleased" },
): CompatibilityViolation {
  const context = against ? `, compared with ${against.state} ${against.version}` : "";
  return {
    message,
    version,
    ...(against ? { against: against.version } : {}),
    path: change.path,
    rule: change.rule,
    detail: `${modeText(kind, majorOf(version))}: ${reasonOf(change.rule, kind, change.breaks)} — ${change.detail}${context}`,
  };
}

/**
 * A released version against its current schema: breaking changes are reported by their rule;
 * a compatible change of `data` is RELEASED_VERSION_CHANGED (a released version is immutable:
 * the change belongs in a new minor); a compatible change of the envelope (`meta`, `routing`,
 * `subject`, shared by every message and versioned with the platform) is allowed.
 */
function sameVersion(
  message: string,
  kind: MessageKind,
  version: string,
  released: SchemaObject,
  current: SchemaObject,
): CompatibilityViolation[] {
  const mode: Mode = modeOf(kind);
  return diffSchemas(released, current).flatMap((change) => {
    if (isBreaking(change.breaks, mode)) return [violationOf(message, kind, version, change)];
    if (!isData(change.path)) return [];
    const next = `${majorOf(version)}.x`;
    return [
      {
        message,
        version,
        path: change.path,
        rule: "RELEASED_VERSION_CHANGED" as const,
        detail: `released versions are immutable: ${change.rule} (${change.detail}) is compatible, but it belongs in a new minor version (${next}) — ${reasonOf(change.rule, kind, change.breaks)}`,
      },
    ];
  });
}

/** An earlier version's `data` against a newer minor's (the envelope is compared per version). */
function crossVersion(
  message: string,
  kind: MessageKind,
  version: string,
  earlier: SchemaObject,
  newer: ContractVersion,
  state: "released" | "unreleased",
): CompatibilityViolation[] {
  const mode = modeOf(kind);
  return diffSchemas(dataOf(earlier) ?? {}, dataOf(newer.schema) ?? {}, {
    path: "data",
    oldRoot: earlier,
    newRoot: newer.schema,
  })
    .filter((change) => isBreaking(change.breaks, mode))
    .map((change) => violationOf(message, kind, newer.version, change, { version, state }));
}

function removal(
  released: BaselineMessage,
  version: string,
  now: Date,
): { violation: CompatibilityViolation; note?: undefined } | { violation?: undefined; note: string } {
  const window = released.deprecations[version];
  const base = { message: released.name, version, path: "", rule: "VERSION_REMOVED" as const };
  const how =
    "keep it in the registry with deprecated: { acceptedUntil, note }, release that (keel contracts release), and remove it after acceptedUntil";
  if (!window) {
    return {
      violation: {
        ...base,
        detail: `released ${version} is no longer accepted and was never released as deprecated: producers, clients and archived messages of ${version} would be refused — ${how}`,
      },
    };
  }
  const until = Date.parse(window.acceptedUntil);
  if (Number.isNaN(until) || until > now.getTime()) {
    return {
      violation: {
        ...base,
        detail: `released ${version} was removed before the end of its deprecation window (accepted until ${window.acceptedUntil}: ${window.note})`,
      },
    };
  }
  return { note: `${released.name} ${version}: removed after its deprecation window ended (${window.acceptedUntil})` };
}

/** Versions are MAJOR.MINOR, strictly increasing, oldest first; deprecation windows are dates. */
function checkVersionList(contract: Contract): CompatibilityViolation[] {
  const violations: CompatibilityViolation[] = [];
  contract.versions.forEach((current, index) => {
    const previous = contract.versions[index - 1];
    if (!isVersion(current.version)) {
      violations.push({
        message: contract.name,
        version: current.version,
        path: "",
        rule: "VERSION_ORDER",
        detail: "a version is MAJOR.MINOR, e.g. 1.0",
      });
    } else if (previous && compareVersions(previous.version, current.version) >= 0) {
      violations.push({
        message: contract.name,
        version: current.version,
        path: "",
        rule: "VERSION_ORDER",
        detail: `versions are listed oldest first and each is newer than the last: ${current.version} follows ${previous.version}`,
      });
    }
    if (current.deprecated && !validWindow(current.deprecated)) {
      violations.push({
        message: contract.name,
        version: current.version,
        path: "",
        rule: "DEPRECATION_INVALID",
        detail: `deprecated needs acceptedUntil as an ISO 8601 date and a note, got ${JSON.stringify(current.deprecated)}`,
      });
    }
  });
  return violations;
}

const validWindow = (window: Deprecation) =>
  /^\d{4}-\d{2}-\d{2}/.test(window.acceptedUntil) &&
  !Number.isNaN(Date.parse(window.acceptedUntil)) &&
  window.note.trim().length > 0;

/** A new major has an upcaster from the previous one, and the previous majors are deprecated. */
function checkMajors(contract: Contract, released: BaselineMessage | undefined): CompatibilityViolation[] {
  const violations: CompatibilityViolation[] = [];
  const everyVersion = [...new Set([...contract.versions.map((v) => v.version), ...(released?.versions.keys() ?? [])])]
    .filter(isVersion)
    .sort(compareVersions);
  const majors = [...new Set(everyVersion.map(majorOf))];
  for (const major of majors.slice(1)) {
    const first = everyVersion.find((version) => majorOf(version) === major);
    const definition = contract.versions.find((version) => version.version === first);
    if (first && definition && !definition.upcast) {
      violations.push({
        message: contract.name,
        version: first,
        path: "",
        rule: "MAJOR_WITHOUT_UPCASTER",
        detail: `${first} starts major ${major}, so it must declare upcast: (previous) => data, turning data of major ${majors[majors.indexOf(major) - 1]} into this shape — messages still in flight, retried or replayed from the archive arrive in the old shape`,
      });
    }
  }
  const current = contract.versions.at(-1);
  if (current) {
    const currentMajor = majorOf(current.version);
    for (const version of contract.versions) {
      if (majorOf(version.version) < currentMajor && !version.deprecated) {
        violations.push({
          message: contract.name,
          version: version.version,
          path: "",
          rule: "PREVIOUS_MAJOR_NOT_DEPRECATED",
          detail: `major ${currentMajor} replaces it: declare deprecated: { acceptedUntil, note } on it, so its producers and consumers know how long it is still accepted`,
        });
      }
    }
  }
  return violations;
}

/** Data of an older major, upcast through the registry's upcasters, must be valid current data. */
function checkUpcasters(contract: Contract, examples: readonly Example[]): CompatibilityViolation[] {
  const current = contract.versions.at(-1);
  if (!current?.validate) return [];
  const currentMajor = majorOf(current.version);
  const violations: CompatibilityViolation[] = [];
  const firstOfMajor = (major: number) => contract.versions.find((version) => majorOf(version.version) === major);
  for (const example of examples) {
    if (example.message !== contract.name || majorOf(example.version) >= currentMajor) continue;
    const majors = contract.versions.map((version) => majorOf(version.version));
    const between = [...new Set(majors)].filter((major) => major > majorOf(example.version));
    if (between.some((major) => !firstOfMajor(major)?.upcast)) continue; // MAJOR_WITHOUT_UPCASTER says it
    const own = contract.versions.find((version) => version.version === example.version);
    if (own?.validate && own.validate(example.data).length > 0) continue; // not a valid example of its version
    let upcast: unknown = example.data;
    let problems: string[];
    try {
      for (const version of contract.versions) {
        if (majorOf(version.version) > majorOf(example.version) && version.upcast) upcast = version.upcast(upcast);
      }
      problems = current.validate(upcast);
    } catch (error) {
      problems = [`the upcaster threw: ${error instanceof Error ? error.message : String(error)}`];
    }
    if (problems.length > 0) {
      violations.push({
        message: contract.name,
        version: current.version,
        against: example.version,
        path: "",
        rule: "UPCASTER_FAILED",
        detail: `${example.version} data (${example.origin}) upcast to ${current.version} is not valid ${current.version} data: ${problems.join("; ")}`,
      });
    }
  }
  return violations;
}

/** A released message keeps its kind, its source (every subscriber filters on it) and its owner. */
function checkRouting(name: string, latest: SchemaObject, contract: Contract): CompatibilityViolation[] {
  const keel = isRecord(latest["x-keel"]) ? latest["x-keel"] : {};
  const version = typeof keel.version === "string" ? keel.version : "";
  const violations: CompatibilityViolation[] = [];
  const changed = (field: "kind" | "source" | "owner", rule: CompatibilityRule, why: string) => {
    if (keel[field] !== undefined && keel[field] !== contract[field]) {
      violations.push({
        message: name,
        version,
        path: field,
        rule,
        detail: `${String(keel[field])} → ${contract[field]}: ${why}`,
      });
    }
  };
  changed(
    "kind",
    "KIND_CHANGED",
    "a command and an event travel on different buses and mean different things: declare a new message",
  );
  changed(
    "source",
    "SOURCE_CHANGED",
    "every subscriber's rule filters on the source and would stop receiving it: declare a new message (or keep the source)",
  );
  changed(
    "owner",
    "OWNER_CHANGED",
    "the owner handles the command or publishes the event: moving it is a new message in the new owner's domain",
  );
  return violations;
}

/** A released deprecation window may be extended or dropped, never shortened. */
function checkDeprecationWindows(released: BaselineMessage, contract: Contract): CompatibilityViolation[] {
  return contract.versions.flatMap((version) => {
    const window = released.deprecations[version.version];
    if (!window || !version.deprecated) return [];
    if (Date.parse(version.deprecated.acceptedUntil) >= Date.parse(window.acceptedUntil)) return [];
    return [
      {
        message: contract.name,
        version: version.version,
        path: "",
        rule: "DEPRECATION_INVALID" as const,
        detail: `the released deprecation window accepts ${version.version} until ${window.acceptedUntil}; it may be extended, not shortened to ${version.deprecated.acceptedUntil}`,
      },
    ];
  });
}

function dedupe(violations: CompatibilityViolation[]): CompatibilityViolation[] {
  const seen = new Set<string>();
  return violations.filter((violation) => {
    // One line per problem: a field removed from 1.1 in place also breaks 1.1 against 1.0.
    const key = [violation.message, violation.version, violation.path, violation.rule].join("\u0000");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `OrderCreated 1.1 → data.totalAmount: FIELD_REMOVED (events are FULL-compatible within major 1: …)`. */
export function formatViolation(violation: CompatibilityViolation): string {
  const where = violation.path ? ` → ${violation.path}` : "";
  return `${violation.message} ${violation.version}${where}: ${violation.rule} (${violation.detail})`;
}
