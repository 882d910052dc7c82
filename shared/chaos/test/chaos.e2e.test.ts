import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type ChaosReport, checkInvariants, DEFAULT_MIX, type InvariantResult, runChaos } from "../src";

/**
 * A short run under heavy faults, with a fixed seed: every invariant holds. Then one row of the
 * stock table is corrupted on the live system, and the same checker finds it.
 */
let report: ChaosReport;
let afterCorruption: InvariantResult[];

beforeAll(async () => {
  report = await runChaos({
    orders: 40,
    ratePerSecond: 8,
    seed: 42,
    faults: { transientErrorRate: 0.15, crashRate: 0.15, duplicateRate: 0.15, delayRate: 0.15, maxDelayMs: 1000 },
    mix: { ...DEFAULT_MIX, declined: 0.1, slowProvider: 0.05, outOfStock: 0.1 },
    timeScale: 0.05,
    inspect: async ({ reader, snapshot }) => {
      await reader.db.send(
        new UpdateCommand({
          TableName: reader.tableName("stock"),
          Key: { sku: "SKU-123" },
          UpdateExpression: "SET available = available - :one",
          ExpressionAttributeValues: { ":one": 1 },
        }),
      );
      afterCorruption = checkInvariants({ ...snapshot, stockAfter: await reader.scan("stock") });
    },
  });
}, 600_000);

const failures = (results: InvariantResult[]) =>
  results.filter((result) => !result.holds).map((result) => [result.name, result.counterexamples.slice(0, 5)]);

describe("under transient errors, crashes, duplicate, late and reordered deliveries", () => {
  it("injected every kind of fault and dead-lettered some messages", () => {
    expect(report.accepted).toBe(40);
    expect(report.faults.transient).toBeGreaterThan(0);
    expect(report.faults.crash).toBeGreaterThan(0);
    expect(report.faults.duplicate).toBeGreaterThan(0);
    expect(report.faults.delay).toBeGreaterThan(0);
    expect(report.deadLetters.dlqd).toBeGreaterThan(0);
  });

  it("says why each rejected order was rejected, by the path it was planned to take", () => {
    const rejected = report.outcomes.orchestration?.REJECTED ?? 0;
    const byKind = report.rejections.orchestration ?? {};
    const counted = Object.values(byKind).flatMap((reasons) => Object.values(reasons));
    expect(counted.reduce((sum, count) => sum + count, 0)).toBe(rejected);
    // An order planned with an out-of-stock line can only be rejected for stock or a timeout.
    for (const reason of Object.keys(byKind["out-of-stock"] ?? {})) {
      expect(["OUT_OF_STOCK", "INVENTORY_TIMEOUT", "PAYMENT_TIMEOUT"]).toContain(reason);
    }
  });

  it("keeps every invariant", () => {
    expect(failures(report.invariants)).toEqual([]);
  });

  it("reports stock taken that no confirmed order explains", () => {
    expect(failures(afterCorruption)).toEqual([
      [
        "reserved stock equals the quantities of confirmed orders",
        [expect.stringMatching(/^SKU-123: \d+ unit\(s\) taken from stock, confirmed orders hold \d+$/)],
      ],
    ]);
  });
});
