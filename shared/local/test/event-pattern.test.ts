import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileEventPattern, InvalidEventPatternError, matchesEventPattern } from "../src/eventbridge/pattern";

interface ConformanceCase {
  name: string;
  operator: string;
  pattern: unknown;
  event: unknown;
  matches: boolean;
  invalid?: boolean;
  reason?: string;
  disputed?: boolean;
  note?: string;
}

const cases: ConformanceCase[] = JSON.parse(
  readFileSync(join(__dirname, "fixtures/event-patterns/cases.json"), "utf8"),
);

/** Test names must be unique; a repeated case name gets a counter. */
function uniqueNames(all: readonly ConformanceCase[]): [string, ConformanceCase][] {
  const seen = new Map<string, number>();
  return all.map((testCase) => {
    const count = (seen.get(testCase.name) ?? 0) + 1;
    seen.set(testCase.name, count);
    return [count === 1 ? testCase.name : `${testCase.name} (${count})`, testCase];
  });
}

type Outcome = { matches: boolean } | { invalid: string };

/**
 * Our outcome for every case the corpus marks disputed, by family. Where it equals the corpus value, it is
 * still written here so that the choice is explicit and a new disputed case has to be decided.
 */
const DISPUTED_CHOICES: Record<string, Outcome> = {
  // Type-sensitive literals, as in event-ruler: 1 and 0 are numbers, never the booleans true and false.
  // (LocalStack's Python `==` makes True == 1.)
  "exact: number 1 does not match boolean true": { matches: false },
  "exact: number 0 does not match boolean false": { matches: false },

  // Array consistency, as in event-ruler's rulesForJSONEvent: the fields under an array of objects must all be
  // satisfied by the same element. (LocalStack matches each field against any element.)
  "array-consistency: fields from different elements do not combine": { matches: false },
  "array-consistency: value from another element": { matches: false },
  "array-consistency: exists:true must be in the same element": { matches: false },
  "array-consistency: fields split across elements": { matches: false },

  // anything-but on an event array matches when any element passes, as in event-ruler and LocalStack; the
  // claim that every element must pass has no AWS source.
  "anything-but: event array with one non-excluded element": { matches: true },

  // Validation follows event-ruler's JsonRuleCompiler, where LocalStack is more lenient: an empty anything-but
  // list, a one-object $or and an empty pattern are rejected.
  "invalid: anything-but empty list": {
    invalid: "Inside anything but list, either all values are number or string, mixed type is not supported",
  },
  "invalid: $or with a single object": { invalid: "There must have at least 2 Objects in $or relationship." },
  "invalid: empty pattern object": { invalid: "Empty objects are not allowed" },

  // cidr matches IP address strings only; a number is never an address (LocalStack reads 5 as 0.0.0.5).
  "cidr: number value vs 0.0.0.0/8 does not match": { matches: false },

  // A /32 mask is rejected as event-ruler does (IPv4 mask bits must be < 32); an exact string match value
  // matches one address, in any spelling.
  "invalid: cidr IPv4 /32 (event-ruler requires mask < 32)": { invalid: "IPv4 mask bits must be < 32" },

  // "*" matches zero or more characters, per the AWS docs and event-ruler (LocalStack uses ".+").
  'wildcard: "*" matches zero characters (leading)': { matches: true },
};

function expectedOutcome(testCase: ConformanceCase): Outcome {
  if (testCase.disputed) {
    const choice = DISPUTED_CHOICES[testCase.name];
    if (!choice) throw new Error(`no documented choice for the disputed case ${JSON.stringify(testCase.name)}`);
    return choice;
  }
  return testCase.invalid ? { invalid: testCase.reason ?? "" } : { matches: testCase.matches };
}

function rejection(pattern: unknown): InvalidEventPatternError {
  try {
    compileEventPattern(pattern);
  } catch (error) {
    if (error instanceof InvalidEventPatternError) return error;
    throw error;
  }
  throw new Error("expected the pattern to be rejected");
}

describe("EventBridge event-pattern conformance corpus", () => {
  it("covers the cases SEMANTICS.md describes", () => {
    expect(cases).toHaveLength(229);
    expect(cases.filter((testCase) => testCase.invalid)).toHaveLength(65);
    expect(cases.filter((testCase) => testCase.disputed)).toHaveLength(13);
  });

  describe.each(["non-disputed", "disputed"])("%s cases", (kind) => {
    const selected = uniqueNames(cases).filter(([, testCase]) => (kind === "disputed") === Boolean(testCase.disputed));

    it.each(selected)("%s", (_name, testCase) => {
      const expected = expectedOutcome(testCase);
      if ("invalid" in expected) {
        expect(rejection(testCase.pattern).reason).toBe(expected.invalid);
        expect(rejection(JSON.stringify(testCase.pattern)).reason).toBe(expected.invalid);
      } else {
        expect(matchesEventPattern(testCase.pattern, testCase.event)).toBe(expected.matches);
        expect(matchesEventPattern(JSON.stringify(testCase.pattern), JSON.stringify(testCase.event))).toBe(
          expected.matches,
        );
      }
    });
  });
});

const envelope = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "CreateOrder",
  source: "com.example.orders.api",
  account: "123456789012",
  time: "2024-03-01T12:00:00Z",
  region: "eu-west-1",
  resources: [],
  detail: { meta: { tenantId: "t-42", commandId: "cmd_1" }, data: { items: [{ sku: "A", qty: 1 }] } },
};

const withDetail = (detail: unknown) => ({ ...envelope, detail });

describe("compileEventPattern", () => {
  it("compiles a pattern given as a JSON string and keeps the parsed pattern", () => {
    const compiled = compileEventPattern('{ "source": ["com.example.orders.api"] }');
    expect(compiled.pattern).toEqual({ source: ["com.example.orders.api"] });
    expect(compiled.matches(envelope)).toBe(true);
    expect(compiled.matches({ ...envelope, source: "com.example.payments" })).toBe(false);
  });

  it("rejects a string that is not JSON with an InvalidEventPatternException", () => {
    const error = rejection("{ source: [");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("InvalidEventPatternException");
    expect(error.reason).toMatch(/^Filter is not valid JSON: /);
    expect(error.message).toBe(`Event pattern is not valid. Reason: ${error.reason}`);
    expect(rejection("").reason).toMatch(/^Filter is not valid JSON: /);
  });

  it("rejects JSON that is not an object", () => {
    expect(rejection('"source"').reason).toBe("Filter is not an object");
    expect(rejection(null).reason).toBe("Filter is not an object");
  });

  it("keeps the last of duplicate keys in a JSON string", () => {
    const compiled = compileEventPattern('{ "source": ["first"], "source": ["com.example.orders.api"] }');
    expect(compiled.matches(envelope)).toBe(true);
    expect(compiled.matches({ ...envelope, source: "first" })).toBe(false);
  });

  it("gives stable answers when one compiled pattern matches many events", () => {
    const compiled = compileEventPattern({
      source: ["com.example.orders.api"],
      detail: { data: { items: { sku: ["A"], qty: [{ numeric: [">", 0] }] } } },
    });
    const other = withDetail({
      data: {
        items: [
          { sku: "A", qty: 0 },
          { sku: "B", qty: 1 },
        ],
      },
    });
    for (let round = 0; round < 500; round++) {
      expect(compiled.matches(envelope)).toBe(true);
      expect(compiled.matches(other)).toBe(false);
    }
  });

  it("matches nested detail fields", () => {
    const compiled = compileEventPattern({
      source: ["com.example.orders.api"],
      "detail-type": ["CreateOrder"],
      detail: { meta: { tenantId: [{ prefix: "t-" }] } },
    });
    expect(compiled.matches(envelope)).toBe(true);
    expect(compiled.matches(withDetail({ meta: { tenantId: "x-42" } }))).toBe(false);
    expect(compiled.matches(withDetail({ meta: { tenantId: 42 } }))).toBe(false);
    expect(compiled.matches(withDetail({ meta: {} }))).toBe(false);
    expect(compiled.matches(withDetail({ meta: { tenantId: ["x-1", "t-2"] } }))).toBe(true);
    expect(compiled.matches({ ...envelope, "detail-type": "CancelOrder" })).toBe(false);
  });

  it("accepts the event as a JSON string in matchesEventPattern", () => {
    expect(matchesEventPattern({ detail: { meta: { tenantId: ["t-42"] } } }, JSON.stringify(envelope))).toBe(true);
  });

  it("treats an event that is not an object as having no fields", () => {
    const absent = compileEventPattern({ source: [{ exists: false }] });
    expect(absent.matches(null)).toBe(true);
    expect(absent.matches([envelope])).toBe(true);
    expect(compileEventPattern({ source: [{ exists: true }] }).matches("source")).toBe(false);
  });
});

describe("semantics the corpus does not cover", () => {
  it("compares numbers as doubles, beyond the old ±5e9 limit", () => {
    expect(matchesEventPattern({ n: [{ numeric: [">", 5e9] }] }, { n: 1e12 })).toBe(true);
    expect(matchesEventPattern({ n: [300] }, JSON.parse('{ "n": 300.0 }'))).toBe(true);
    expect(matchesEventPattern('{ "n": [3.0e2] }', { n: 300 })).toBe(true);
  });

  it("folds case beyond ASCII in equals-ignore-case and prefix/suffix", () => {
    expect(matchesEventPattern({ s: [{ "equals-ignore-case": "straße" }] }, { s: "STRASSE" })).toBe(true);
    expect(matchesEventPattern({ s: [{ prefix: { "equals-ignore-case": "ÉCO" } }] }, { s: "école" })).toBe(true);
    expect(matchesEventPattern({ s: [{ suffix: { "equals-ignore-case": ".PNG" } }] }, { s: "a.png" })).toBe(true);
  });

  it("matches an IP address match value in any spelling", () => {
    expect(matchesEventPattern({ ip: ["2001:db8::1"] }, { ip: "2001:0db8:0:0:0:0:0:1" })).toBe(true);
    expect(matchesEventPattern({ ip: ["10.0.0.1"] }, { ip: "10.0.0.1" })).toBe(true);
    expect(matchesEventPattern({ ip: ["10.0.0.1"] }, { ip: "10.0.0.2" })).toBe(false);
  });

  it("starts a cidr range at the address as written, as event-ruler does", () => {
    expect(matchesEventPattern({ ip: [{ cidr: "10.0.0.5/24" }] }, { ip: "10.0.0.200" })).toBe(true);
    expect(matchesEventPattern({ ip: [{ cidr: "10.0.0.5/24" }] }, { ip: "10.0.0.1" })).toBe(false);
    expect(matchesEventPattern({ ip: [{ cidr: "2001:db8::/32" }] }, { ip: "2001:db8:ffff::1" })).toBe(true);
  });

  it("judges exists:false within the chosen array element whatever the field order", () => {
    const event = {
      employees: [
        { firstName: "John", aaa: 1 },
        { firstName: "Anna", lastName: "Smith" },
      ],
    };
    expect(matchesEventPattern({ employees: { aaa: [{ exists: false }], firstName: ["Anna"] } }, event)).toBe(true);
    expect(matchesEventPattern({ employees: { aaa: [{ exists: false }], firstName: ["John"] } }, event)).toBe(false);
  });

  it("lets a field inside a $or alternative replace the same field outside it, as event-ruler does", () => {
    const pattern = { source: ["a"], $or: [{ source: ["b"] }, { x: ["y"] }] };
    expect(matchesEventPattern(pattern, { source: "b" })).toBe(true);
    expect(matchesEventPattern(pattern, { source: "a", x: "y" })).toBe(true);
    expect(matchesEventPattern(pattern, { source: "a" })).toBe(false);
  });

  it("treats dotted pattern keys and nested objects as the same field, the later one winning", () => {
    expect(matchesEventPattern({ a: { b: ["x"] }, "a.b": ["y"] }, { a: { b: "y" } })).toBe(true);
    expect(matchesEventPattern({ a: { b: ["x"] }, "a.b": ["y"] }, { a: { b: "x" } })).toBe(false);
  });

  it("reports extra keys after numeric and anything-but operands as event-ruler does", () => {
    expect(rejection({ n: [{ numeric: [">", 1], prefix: "a" }] }).reason).toBe(
      "Too many elements in numeric expression",
    );
    expect(rejection({ s: [{ "anything-but": { prefix: "a", suffix: "b" } }] }).reason).toBe(
      "Too many elements in numeric expression",
    );
    expect(rejection({ s: [{ exists: true, prefix: "a" }] }).reason).toBe("Only one key allowed in match expression");
  });

  it("counts wildcard positions in UTF-8 bytes after the opening quote", () => {
    expect(rejection({ s: [{ wildcard: "é**" }] }).reason).toBe("Consecutive wildcard characters at pos 3");
    expect(rejection({ s: [{ "anything-but": { wildcard: ["a\\"] } }] }).reason).toBe(
      "Invalid escape character at pos 2",
    );
  });

  it("rejects wildcards that are too complex for one field and accepts the ones AWS accepts", () => {
    const tooComplex =
      "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character";
    const key = (...wildcards: string[]) => ({ detail: { key: wildcards.map((wildcard) => ({ wildcard })) } });
    expect(() => compileEventPattern(key("*.bif", "*.tiff", "*.tif", "*.svs"))).not.toThrow();
    expect(() => compileEventPattern(key("*/datasync/*.bif", "*/datasync/*.tif"))).not.toThrow();
    expect(rejection(key("*/datasync/*.bif", "*/datasync/*.tif", "*/datasync/*.tiff", "*/datasync/*.svs")).reason).toBe(
      tooComplex,
    );
    expect(rejection(key("*:*:*:*:*:*")).reason).toBe(tooComplex);
  });

  it("limits the combinations that $or alternatives expand to", () => {
    const alternatives = (name: string) => ({ $or: [{ [`${name}1`]: ["x"] }, { [`${name}2`]: ["y"] }] });
    const nested = (depth: number): Record<string, unknown> =>
      depth === 0 ? { leaf: ["z"] } : { ...alternatives(`f${depth}`), [`level${depth}`]: nested(depth - 1) };
    expect(() => compileEventPattern(nested(9))).not.toThrow();
    expect(rejection(nested(10)).reason).toBe("Too many combinations of $or alternatives: more than 1000");
  });
});
