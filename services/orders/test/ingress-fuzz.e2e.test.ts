import { type FuzzTarget, fuzz, startTarget } from "../../../bench/fuzz/harness";
import { describe as describeRequest } from "../../../bench/fuzz/requests";

/**
 * The ingress fuzzer at a fixed seed: a few hundred malformed requests (bad JSON, wrong types,
 * unknown fields, huge bodies, bad media types, tokens, headers and paths) against the whole
 * system. None is answered 5xx or accepted, nothing is published or started, every function's
 * answer is problem+json and every gateway answer has AWS's own shape.
 */

const SEED = 20_240_601;
const RUNS = 300;

let target: FuzzTarget;

beforeAll(async () => {
  target = await startTarget({ concurrency: 4 });
}, 180_000);

afterAll(() => target?.stop());

test(`${RUNS} malformed requests: no 5xx, nothing published, every answer of the expected kind`, async () => {
  const report = await fuzz(target, { runs: RUNS, seed: SEED, concurrency: 4 });
  const violations = report.violations
    .slice(0, 5)
    .map((violation) => `#${violation.index}: ${violation.problems.join("; ")}\n${describeRequest(violation.request)}`);
  expect(violations).toEqual([]);
  expect(report.requests).toBe(RUNS);
  expect(report.serverErrors).toBe(0);
  expect(report.published).toBe(0);
  expect(report.executions).toBe(0);
  // Both kinds of answerer were exercised.
  expect([...report.byStatus.keys()]).toEqual(expect.arrayContaining(["401 gateway", "422 function"]));
}, 120_000);
