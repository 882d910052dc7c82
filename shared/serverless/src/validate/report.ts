/** One problem AWS (or the wiring between services) would reject, located precisely. */
export interface Problem {
  /** The service whose output holds the problem (a folder under `services/`). */
  service: string;
  /** Which output: the packaged CloudFormation template, or the compose file's params. */
  source: "template" | "compose";
  /** The check that found it. */
  check: Check;
  /** The resource's or output's logical id (`Outputs.X` for an output), or the compose param. */
  logicalId: string;
  /** Where inside it, dot-separated (`Properties.Timeout`, `Properties.Targets[0].Arn`). */
  path: string;
  message: string;
  /** What AWS expects there, when it can be said. */
  expected?: string;
}

export type Check = "template" | "resource-spec" | "references" | "state-machine" | "event-pattern" | "wiring";

export function formatProblem(problem: Problem): string {
  const where = [problem.logicalId, problem.path].filter(Boolean).join(".");
  const expected = problem.expected ? ` (expected: ${problem.expected})` : "";
  return `${problem.service}/${problem.source}: ${where}: ${problem.message}${expected}`;
}

/** A path inside a value: `Properties` + `Tags` + 0 → `Properties.Tags[0]`. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** Collects problems for one template with its location fixed. */
export class Reporter {
  readonly problems: Problem[] = [];

  constructor(
    readonly service: string,
    readonly source: Problem["source"] = "template",
  ) {}

  add(check: Check, logicalId: string, path: string, message: string, expected?: string): void {
    this.problems.push({
      service: this.service,
      source: this.source,
      check,
      logicalId,
      path,
      message,
      ...(expected ? { expected } : {}),
    });
  }
}

/** The closest candidates to a misspelt name, by edit distance (case-insensitive). */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

const LISTED = 40;

/** "one of A, B, C; closest match B" (a long list is only counted). */
export function knownNames(name: string, known: readonly string[]): string {
  const match = closest(name, known);
  const list = known.length <= LISTED ? `one of ${[...known].sort().join(", ")}` : `one of ${known.length} names`;
  return `${list}${match ? `; closest match ${match}` : ""}`;
}

/** "an integer", "a list of string" */
export function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? "an" : "a"} ${noun}`;
}
