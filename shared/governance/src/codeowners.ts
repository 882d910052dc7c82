import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { domains, registry } from "@keel/contracts";
import { REPO_ROOT } from "@keel/serverless";
import ignore from "ignore";
import type { PackagedService } from "./ownership";

/**
 * Team-per-service ownership made concrete: `.github/CODEOWNERS` gives each service to the team
 * that owns its domain in the registry (shared/contracts/domains.json), and each message's
 * contract to the team of the domain that owns the message.
 */

export const CODEOWNERS_RULES = [
  "CODEOWNERS_MISSING",
  "UNKNOWN_TEAM",
  "SERVICE_OWNER_MISMATCH",
  "MESSAGES_OWNER_MISMATCH",
  "MESSAGE_OUTSIDE_OWNER_FILE",
] as const;

export type CodeownersRule = (typeof CODEOWNERS_RULES)[number];

export interface CodeownersViolation {
  path: string;
  rule: CodeownersRule;
  detail: string;
}

export const CODEOWNERS_FILE = join(REPO_ROOT, ".github", "CODEOWNERS");

export interface CodeownersEntry {
  line: number;
  pattern: string;
  owners: string[];
}

export function parseCodeowners(text: string): CodeownersEntry[] {
  return text.split("\n").flatMap((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line) return [];
    const [pattern = "", ...owners] = line.split(/\s+/);
    return [{ line: index + 1, pattern, owners }];
  });
}

/** The owners of a repository path: the last matching entry wins, as on GitHub. */
export function ownersOf(entries: readonly CodeownersEntry[], path: string): { owners: string[]; line?: number } {
  for (let index = entries.length - 1; index >= 0; index -= 1) {
    const entry = entries[index] as CodeownersEntry;
    if (ignore().add(entry.pattern).ignores(path)) return { owners: entry.owners, line: entry.line };
  }
  return { owners: [] };
}

/** `@org/team` → `team`; a user (`@someone`) or an email has no team. */
const teamOf = (owner: string) => (owner.includes("/") ? owner.slice(owner.indexOf("/") + 1) : undefined);

const MESSAGES_DIR = "shared/contracts/src/messages";

export function checkCodeowners(
  services: readonly PackagedService[],
  options: { text?: string; root?: string } = {},
): CodeownersViolation[] {
  const root = options.root ?? REPO_ROOT;
  const file = join(root, ".github", "CODEOWNERS");
  const text = options.text ?? (existsSync(file) ? readFileSync(file, "utf8") : undefined);
  if (text === undefined)
    return [
      {
        path: ".github/CODEOWNERS",
        rule: "CODEOWNERS_MISSING",
        detail: "no CODEOWNERS file: nobody is asked to review",
      },
    ];
  const entries = parseCodeowners(text);
  const violations: CodeownersViolation[] = [];
  const teams = new Set(Object.values(domains).map((owner) => owner.team));

  for (const entry of entries) {
    for (const owner of entry.owners) {
      const team = teamOf(owner);
      if (!team || !teams.has(team))
        violations.push({
          path: `.github/CODEOWNERS:${entry.line}`,
          rule: "UNKNOWN_TEAM",
          detail: `${owner} is not a team of the registry (${[...teams].join(", ")})`,
        });
    }
  }

  const expectOwner = (path: string, team: string, rule: CodeownersRule, what: string) => {
    const { owners, line } = ownersOf(entries, path);
    const owned = owners.map(teamOf);
    if (owned.length === 1 && owned[0] === team) return;
    violations.push({
      path,
      rule,
      detail: `${what} belongs to ${team}, but CODEOWNERS ${
        line ? `line ${line} gives it to ${owners.join(" ") || "nobody"}` : "gives it to nobody"
      }`,
    });
  };

  for (const service of services) {
    const domain = String((service.resolved.custom as { domain?: unknown } | undefined)?.domain ?? "");
    const owner = domains[domain as keyof typeof domains];
    if (!owner) continue; // the ownership and hygiene rules report a service without a domain
    expectOwner(
      `services/${service.service}/serverless.yml`,
      owner.team,
      "SERVICE_OWNER_MISMATCH",
      `service ${service.service} (domain ${domain})`,
    );
    expectOwner(
      `services/${service.service}/src/handlers/index.ts`,
      owner.team,
      "SERVICE_OWNER_MISMATCH",
      `service ${service.service}'s code`,
    );
  }

  // Each message is defined in its owning domain's file, which that domain's team owns.
  const sources = new Map<string, string>();
  for (const domain of Object.keys(domains)) {
    const path = join(root, MESSAGES_DIR, `${domain}.ts`);
    if (existsSync(path)) sources.set(domain, readFileSync(path, "utf8"));
  }
  for (const [domain, owner] of Object.entries(domains)) {
    if (sources.has(domain))
      expectOwner(`${MESSAGES_DIR}/${domain}.ts`, owner.team, "MESSAGES_OWNER_MISMATCH", `the ${domain} messages`);
  }
  for (const [name, message] of Object.entries(registry)) {
    const defined = new RegExp(`export const ${name}\\b`).test(sources.get(message.owner) ?? "");
    if (!defined)
      violations.push({
        path: `${MESSAGES_DIR}/${message.owner}.ts`,
        rule: "MESSAGE_OUTSIDE_OWNER_FILE",
        detail: `${name} is owned by ${message.owner} but not defined in its file, so CODEOWNERS cannot give it to ${domains[message.owner].team}`,
      });
  }
  return violations;
}

export function formatCodeownersViolation(violation: CodeownersViolation): string {
  return `${violation.path}: ${violation.rule} (${violation.detail})`;
}
