import { relative } from "node:path";
import { parseArgs } from "node:util";
import { checkCodeowners, formatCodeownersViolation } from "./codeowners";
import {
  BASELINE_DIR,
  checkCompatibility,
  collectExamples,
  formatViolation,
  readBaseline,
  registryContracts,
  release,
} from "./compatibility";
import { checkHygiene, formatHygieneViolation } from "./hygiene";
import { checkLeastPrivilege, formatLeastPrivilegeViolation } from "./least-privilege";
import { checkNaming, formatNamingViolation } from "./naming";
import { checkOwnership, formatOwnershipViolation, packageForOwnership } from "./ownership";

/** Where a command writes: the process's streams, or a test's buffers. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const processOutput: Output = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

export const CONTRACTS_HELP = `keel contracts check|release — message contracts against the published baseline

  keel contracts check     compare every message version with the baseline (shared/contracts/baseline):
                           events FULL-compatible within a major, commands BACKWARD; exit 1 on a violation
  keel contracts release   add every version the baseline lacks and record deprecation windows;
                           refused (exit 1) while the check finds a violation: released schemas never change

Options:
  --baseline <dir>   another baseline folder
  --json             the report as JSON (check)`;

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

export async function contracts(argv: string[], output: Output = processOutput): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      baseline: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  const [action] = positionals;
  if (values.help || !action) {
    output.out(CONTRACTS_HELP);
    return values.help ? 0 : 2;
  }
  const dir = values.baseline ?? BASELINE_DIR;
  const where = relative(process.cwd(), dir) || dir;
  const examples = collectExamples();

  if (action === "check") {
    const report = checkCompatibility(readBaseline(dir), registryContracts(), { examples });
    if (values.json) {
      output.out(JSON.stringify(report, null, 2));
      return report.violations.length ? 1 : 0;
    }
    for (const violation of report.violations) output.out(formatViolation(violation));
    for (const note of report.notes) output.out(`note: ${note}`);
    const scope = `${plural(report.messages, "message")} against ${plural(report.releasedVersions, "released version")} in ${where}`;
    if (report.violations.length) {
      output.err(
        `✗ ${plural(report.violations.length, "violation")} (${scope}). A breaking change needs a new major schemaVersion (with an upcaster, the old major deprecated and still accepted until its window ends) or a new message name.`,
      );
      return 1;
    }
    output.out(`✓ compatible: ${scope}`);
    return 0;
  }

  if (action === "release") {
    const result = release({ dir, examples });
    const { plan } = result;
    if (plan.refused) {
      for (const violation of plan.report.violations) output.out(formatViolation(violation));
      output.err(
        `✗ release refused: ${plural(plan.report.violations.length, "violation")}; released versions are never rewritten — fix the registry (or add a new version) and release again`,
      );
      return 1;
    }
    for (const { message, version } of plan.versions) output.out(`released ${message} ${version}`);
    for (const { message, windows } of plan.deprecations) {
      const described = Object.entries(windows).map(([version, window]) => `${version} until ${window.acceptedUntil}`);
      output.out(`deprecation windows of ${message}: ${described.join(", ") || "none"}`);
    }
    for (const file of result.written) output.out(`  wrote ${file}`);
    output.out(
      result.written.length
        ? `✓ ${plural(result.written.length, "file")} written to ${where}`
        : `✓ nothing to release: ${where} has every version`,
    );
    return 0;
  }

  output.err(`keel contracts: unknown action "${action}"\n\n${CONTRACTS_HELP}`);
  return 2;
}

export const LINT_HELP = `keel lint [naming] [ownership] [iam] [hygiene] [codeowners] — governance rules over the registry and the services

  keel lint              every check below
  keel lint naming       commands imperative, events past tense, source = com.example.<domain>.<component>,
                         an event's source is its owner's
  keel lint ownership    packages the services offline, then: every EventBridge rule filters on exact
                         sources and detail-types of registered messages (no wildcard subscription), and a
                         service publishes only sources of messages its domain sends
  keel lint iam          least privilege in the packaged templates: no wildcard or unknown action, no
                         Resource "*" where AWS lets a grant name its resources, grants that can match,
                         a role per function, every rule target with retries and a dead-letter queue that
                         admits the rule, every asynchronously invoked function keeping its failures
  keel lint hygiene      log retention, encryption at rest, tags from the registry's owners, buses open to
                         other accounts only where custom.keel.crossAccountPublishers declares them
  keel lint codeowners   .github/CODEOWNERS gives each service and each domain's messages to its team

Options:
  --service <name>   ownership, iam, hygiene: only these services (repeatable)
  --stage <stage>    package at this stage (default dev)
  --json             the violations as JSON`;

const LINT_CHECKS = ["naming", "ownership", "iam", "hygiene", "codeowners"] as const;

export async function lint(argv: string[], output: Output = processOutput): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      service: { type: "string", multiple: true },
      stage: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    output.out(LINT_HELP);
    return 0;
  }
  const unknown = positionals.filter((name) => !(LINT_CHECKS as readonly string[]).includes(name));
  if (unknown.length) {
    output.err(`keel lint: unknown check ${unknown.join(", ")}\n\n${LINT_HELP}`);
    return 2;
  }
  const checks = positionals.length ? positionals : [...LINT_CHECKS];
  const lines: string[] = [];
  const found: unknown[] = [];
  const record = <V>(check: string, violations: V[], format: (violation: V) => string) => {
    found.push(...violations);
    lines.push(...violations.map((violation) => `${check}: ${format(violation)}`));
  };
  if (checks.includes("naming")) record("naming", checkNaming(), formatNamingViolation);
  const needsTemplates = checks.some((check) => ["ownership", "iam", "hygiene", "codeowners"].includes(check));
  const packaged = needsTemplates ? await packageForOwnership(values.service, { stage: values.stage }) : [];
  if (checks.includes("ownership")) record("ownership", checkOwnership(packaged), formatOwnershipViolation);
  if (checks.includes("iam")) record("iam", await checkLeastPrivilege(packaged), formatLeastPrivilegeViolation);
  if (checks.includes("hygiene")) record("hygiene", checkHygiene(packaged), formatHygieneViolation);
  if (checks.includes("codeowners")) record("codeowners", checkCodeowners(packaged), formatCodeownersViolation);
  if (values.json) output.out(JSON.stringify(found, null, 2));
  else for (const line of lines) output.out(line);
  if (found.length) {
    output.err(`✗ ${plural(found.length, "violation")} (${checks.join(", ")})`);
    return 1;
  }
  output.out(`✓ ${checks.join(", ")}: no violations`);
  return 0;
}
