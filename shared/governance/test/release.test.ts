import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registry } from "@keel/contracts";
import { jsonSchemaOf } from "@keel/contracts/json-schema";
import {
  BASELINE_DIR,
  type Contract,
  planRelease,
  readBaseline,
  registryContracts,
  release,
  writeReleasedVersion,
} from "../src";
import { contractNamed, copyContracts, dataOf, nextVersion, versionOf } from "./support";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "keel-baseline-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const current = registryContracts();
const files = () => readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".json"));

describe("keel contracts release", () => {
  it("writes every version into an empty baseline, as jsonSchemaOf generates it, then has nothing to do", () => {
    const first = release({ dir, format: false });
    expect(first.plan.refused).toBe(false);
    const versionCount = Object.values(registry).reduce((count, message) => count + message.versions.length, 0);
    expect(files()).toHaveLength(versionCount);
    expect(JSON.parse(readFileSync(join(dir, "OrderCreated", "1.0.json"), "utf8"))).toEqual(
      jsonSchemaOf(registry.OrderCreated, "1.0"),
    );
    const second = release({ dir, format: false });
    expect(second.written).toEqual([]);
    expect(second.plan.versions).toEqual([]);
  });

  it("refuses when a released version's schema changed, and rewrites nothing", () => {
    release({ dir, format: false });
    const before = readFileSync(join(dir, "CreateOrder", "1.0.json"), "utf8");
    const contracts = copyContracts(current);
    const data = dataOf(versionOf(contractNamed(contracts, "CreateOrder"), "1.0").schema);
    data.required = data.required.filter((name) => name !== "currency");
    delete data.properties.currency;
    const added = nextVersion(versionOf(contractNamed(contracts, "OrderRejected"), "1.0"), "1.1");
    contractNamed(contracts, "OrderRejected").versions.push(added);

    const result = release({ dir, contracts, format: false });
    expect(result.plan.refused).toBe(true);
    expect(result.plan.report.violations.map(({ message, path, rule }) => `${message} ${path} ${rule}`)).toEqual([
      "CreateOrder data.currency FIELD_REMOVED",
    ]);
    expect(result.written).toEqual([]);
    expect(readFileSync(join(dir, "CreateOrder", "1.0.json"), "utf8")).toBe(before);
    expect(files()).not.toContain(join("OrderRejected", "1.1.json"));
  });

  it("refuses even a compatible change to a released version (it belongs in a new minor)", () => {
    release({ dir, format: false });
    const contracts = copyContracts(current);
    dataOf(versionOf(contractNamed(contracts, "OrderPlaced"), "1.0").schema).properties.channel = { type: "string" };
    const plan = planRelease(readBaseline(dir), contracts);
    expect(plan.refused).toBe(true);
    expect(plan.report.violations.map((violation) => violation.rule)).toEqual(["RELEASED_VERSION_CHANGED"]);
  });

  it("adds only the new version of a compatible release", () => {
    release({ dir, format: false });
    const contracts = copyContracts(current);
    const created = contractNamed(contracts, "OrderCreated");
    const next = nextVersion(versionOf(created, "1.1"), "1.2");
    dataOf(next.schema).properties.promotionCode = { type: "string" };
    created.versions.push(next);
    const result = release({ dir, contracts, format: false });
    expect(result.plan.versions.map(({ message, version }) => `${message} ${version}`)).toEqual(["OrderCreated 1.2"]);
    expect(result.written).toHaveLength(1);
    expect(readBaseline(dir).get("OrderCreated")?.versions.has("1.2")).toBe(true);
  });

  it("records deprecation windows, so a version may be removed once its window is over", () => {
    release({ dir, format: false });
    const deprecate = (acceptedUntil: string) => {
      const contracts = copyContracts(current);
      versionOf(contractNamed(contracts, "OrderCreated"), "1.0").deprecated = { acceptedUntil, note: "use 1.1" };
      return contracts;
    };
    const recorded = release({ dir, contracts: deprecate("2027-01-31"), format: false });
    expect(recorded.plan.deprecations).toEqual([
      { message: "OrderCreated", windows: { "1.0": { acceptedUntil: "2027-01-31", note: "use 1.1" } } },
    ]);
    expect(JSON.parse(readFileSync(join(dir, "OrderCreated", "deprecations.json"), "utf8"))).toEqual({
      "1.0": { acceptedUntil: "2027-01-31", note: "use 1.1" },
    });

    const shortened = release({ dir, contracts: deprecate("2026-12-31"), format: false });
    expect(shortened.plan.refused).toBe(true);
    expect(shortened.plan.report.violations.map((violation) => violation.rule)).toEqual(["DEPRECATION_INVALID"]);

    const removed: Contract[] = copyContracts(current);
    const created = contractNamed(removed, "OrderCreated");
    created.versions = created.versions.filter((version) => version.version !== "1.0");
    expect(planRelease(readBaseline(dir), removed, { now: new Date("2027-01-15") }).refused).toBe(true);
    const after = planRelease(readBaseline(dir), removed, { now: new Date("2027-02-01") });
    expect(after.refused).toBe(false);
    expect(after.deprecations).toEqual([]); // the window of a removed version stays recorded
  });

  it("never overwrites a released schema file", () => {
    writeReleasedVersion(dir, "OrderCreated", "1.0", { title: "first" });
    expect(() => writeReleasedVersion(dir, "OrderCreated", "1.0", { title: "second" })).toThrow(
      /a released version is never rewritten/,
    );
  });

  it("would be accepted on the real project (a version added since the last release is simply released)", () => {
    expect(planRelease(readBaseline(BASELINE_DIR), current).refused).toBe(false);
  });
});
