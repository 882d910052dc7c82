/**
 * Malformed requests for the orders ingress, as fast-check arbitraries. Every request starts from a
 * valid one and carries exactly one fault, so what it must be answered is known exactly: which
 * status, and whether the API gateway (its own `{"message": ...}` answers) or the function
 * (problem+json) answers it. None of them may be accepted: nothing may be published.
 */
import fc from "fast-check";

/** The API gateway's own answers, in AWS's shapes (HTTP APIs answer `{"message": ...}`). */
export const GATEWAY_MESSAGES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  413: "Request Entity Too Large",
};

/** HTTP APIs accept request bodies up to 10 MB; the ingress functions at most 64 KiB. */
export const GATEWAY_MAX_BODY = 10 * 1024 * 1024;
export const FUNCTION_MAX_BODY = 64 * 1024;

export type Category =
  | "bad-json"
  | "deep-nesting"
  | "non-utf8"
  | "wrong-type"
  | "missing-field"
  | "unknown-field"
  | "duplicate-key"
  | "over-limit"
  | "huge-body"
  | "content-type"
  | "token"
  | "tenant-claims"
  | "idempotency-key"
  | "correlation-id"
  | "path"
  | "method";

/** Who must answer, and with which status (one of several where the outcome legitimately varies). */
export interface Expectation {
  by: "gateway" | "function";
  statuses: readonly number[];
}

/** A body: text, raw bytes, or a large body described by its size and written out only to send it. */
export type Body =
  | { kind: "text"; text: string }
  | { kind: "bytes"; bytes: readonly number[] }
  | { kind: "padded"; prefix: string; size: number; suffix: string };

export interface FuzzRequest {
  category: Category;
  /** What is wrong with it, in a few words. */
  fault: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Body;
  expect: Expectation;
}

/** Tokens signed once when the fuzzer starts: valid ones, and every kind the authorizer must refuse. */
export interface Tokens {
  valid: string;
  /** Refused by the JWT authorizer (401 from the gateway). */
  refused: ReadonlyArray<{ kind: string; token: string }>;
  /** Verified, but without the tenant or user the functions require (403 from the function). */
  withoutTenant: ReadonlyArray<{ kind: string; token: string }>;
}

const ROUTES = [
  { method: "POST", path: "/orders" },
  { method: "POST", path: "/saga/orders" },
  { method: "GET", path: "/orders/{orderId}" },
] as const;

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const CURRENCY = /^[A-Z]{3}$/;
const PHONE = /^\+[1-9][0-9]{6,14}$/;
export const CORRELATION_ID =
  /^corr_(?:[0-9A-HJKMNP-TV-Z]{26}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** The media types the JSON body parser takes for JSON (its own pattern). */
const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json(;|$)/i;
const MAX_AMOUNT = 1_000_000_000;
const MAX_QUANTITY = 10_000;

/** A header value as the server receives it: HTTP trims spaces and tabs around it. */
const received = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, "");

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const alnum = fc.constantFrom(...ALNUM);
const validId = fc
  .tuple(alnum, fc.string({ unit: fc.constantFrom(...`${ALNUM}-_`), maxLength: 30 }))
  .map(([first, rest]) => first + rest);
/** Printable ASCII, as a header value may carry it (no spaces or tabs at either end). */
const headerText = (maxLength: number) =>
  fc
    .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength })
    .map(received);
const latin1Text = fc
  .string({ unit: fc.integer({ min: 0xa0, max: 0xff }).map((code) => String.fromCharCode(code)), minLength: 1 })
  .chain((high) => headerText(20).map((low) => `${low}${high}${low}`))
  .map(received);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Order = { [key: string]: Json };

const validItem = fc.record({
  sku: validId,
  qty: fc.integer({ min: 1, max: 50 }),
  unitPrice: fc.integer({ min: 0, max: 100_000 }).map((cents) => cents / 100),
});

/** A valid body of either route; `orderId` only where the client may choose it (POST /orders). */
const validOrder = (withOrderId: boolean): fc.Arbitrary<Order> =>
  fc
    .record(
      {
        orderId: validId,
        customerId: validId,
        currency: fc.constantFrom("AUD", "USD", "EUR", "NZD", "GBP"),
        items: fc.array(validItem, { minLength: 1, maxLength: 5 }),
        paymentMethodToken: fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
        contact: fc.record(
          {
            email: fc.constantFrom("ada@example.com", "grace.hopper@example.org", "a+b@mail.example.net"),
            phone: fc.constantFrom("+61400000000", "+14155550100", "+442071838750"),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ["customerId", "currency", "items", "paymentMethodToken"] },
    )
    .map((order) => {
      if (withOrderId) return order as Order;
      const { orderId: _, ...rest } = order;
      return rest as Order;
    });

const postRoute = fc.constantFrom("/orders", "/saga/orders");

/** Headers of a request that is valid apart from its fault; a valid Idempotency-Key or correlation id at times. */
const baseHeaders = (token: string, json: boolean): fc.Arbitrary<Record<string, string>> =>
  fc
    .record(
      {
        key: fc.uuid().map((uuid) => `key-${uuid}`),
        correlation: fc.uuid().map((uuid) => `corr_${uuid}`),
      },
      { requiredKeys: [] },
    )
    .map(({ key, correlation }) => ({
      authorization: `Bearer ${token}`,
      ...(json ? { "content-type": "application/json" } : {}),
      ...(key ? { "idempotency-key": key } : {}),
      ...(correlation ? { "x-correlation-id": correlation } : {}),
    }));

const text = (value: string): Body => ({ kind: "text", text: value });
const fromFunction = (...statuses: number[]): Expectation => ({ by: "function", statuses });
const fromGateway = (status: number): Expectation => ({ by: "gateway", statuses: [status] });

/** A POST with a body fault: `mutate` turns a valid body into a bad one, with its fault and status. */
function bodyFault(
  tokens: Tokens,
  category: Category,
  mutate: (order: Order, path: string) => fc.Arbitrary<{ fault: string; body: Body; status: number | number[] }>,
): fc.Arbitrary<FuzzRequest> {
  return postRoute.chain((path) =>
    fc
      .tuple(
        validOrder(path === "/orders").chain((order) => mutate(order, path)),
        baseHeaders(tokens.valid, true),
      )
      .map(([bad, headers]) => ({
        category,
        fault: bad.fault,
        method: "POST",
        path,
        headers,
        body: bad.body,
        expect: fromFunction(...[bad.status].flat()),
      })),
  );
}

/** Middy's JSON parser refuses `__proto__` anywhere, and `constructor` holding a `prototype` (400). */
function forbiddenKey(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  for (const [key, inner] of Object.entries(value)) {
    if (key === "__proto__") return true;
    if (key === "constructor" && inner && typeof inner === "object" && Object.hasOwn(inner, "prototype")) return true;
    if (forbiddenKey(inner)) return true;
  }
  return false;
}

/** A JSON value of another type than `kind`. */
const otherType = (kind: "string" | "number" | "array" | "object"): fc.Arbitrary<Json> =>
  fc.oneof(
    ...(kind !== "string" ? [fc.string({ maxLength: 10 })] : []),
    ...(kind !== "number" ? [fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })] : []),
    fc.boolean(),
    fc.constant(null),
    ...(kind !== "array" ? [fc.array(fc.integer(), { maxLength: 3 })] : []),
    ...(kind !== "object" ? [fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 })] : []),
  );

const anyString = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 10 }),
);
const badId = fc.oneof(
  otherType("string"),
  anyString.filter((value) => !ID.test(value)),
  fc.constantFrom("", "-lead", "_lead", "a/b", "a b", "é", "a#b", "x".repeat(65), "\u0000"),
);
const badCurrency = fc.oneof(
  otherType("string"),
  anyString.filter((value) => !CURRENCY.test(value)),
);
/** Roundtrips through JSON, as the server reads it. */
const roundtrip = (value: Json): Json => JSON.parse(JSON.stringify(value)) as Json;
const badQuantity = fc
  .oneof(
    otherType("number"),
    fc.integer({ min: -1_000_000, max: 0 }),
    fc.integer({ min: MAX_QUANTITY + 1 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  )
  .filter((value) => {
    const read = roundtrip(value);
    return !(typeof read === "number" && Number.isInteger(read) && read >= 1 && read <= MAX_QUANTITY);
  });
const badAmount = fc
  .oneof(
    otherType("number"),
    fc.double({ max: -Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true }),
    fc.double({ min: MAX_AMOUNT + 1, noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom("49.95", "1e3"),
  )
  .filter((value) => {
    const read = roundtrip(value);
    return !(typeof read === "number" && read >= 0 && read <= MAX_AMOUNT);
  });
const badToken = fc.oneof(otherType("string"), fc.constant(""), fc.constant("t".repeat(257)));
const badEmail = fc.oneof(
  otherType("string"),
  fc.constantFrom("", "ada", "ada@", "@example.com", "a b@example.com", "ada@example", "ada@@example.com"),
);
const badPhone = fc.oneof(
  otherType("string"),
  anyString.filter((value) => !PHONE.test(value)),
);

type FieldFault = { where: string; value: fc.Arbitrary<Json> };
const TOP_FAULTS: FieldFault[] = [
  { where: "customerId", value: badId },
  { where: "currency", value: badCurrency },
  { where: "paymentMethodToken", value: badToken },
  { where: "orderId", value: badId },
  {
    where: "items",
    value: fc.oneof<fc.Arbitrary<Json>[]>(
      otherType("array"),
      fc.constant<Json>([]),
      fc.array(validItem, { minLength: 101, maxLength: 110 }),
      fc.array(otherType("object"), { minLength: 1, maxLength: 3 }),
    ),
  },
  {
    where: "contact",
    value: fc.oneof(
      otherType("object").filter((value) => value !== null),
      fc.constant(null),
    ),
  },
];
const ITEM_FAULTS: FieldFault[] = [
  { where: "sku", value: badId },
  { where: "qty", value: badQuantity },
  { where: "unitPrice", value: badAmount },
];
const CONTACT_FAULTS: FieldFault[] = [
  { where: "email", value: badEmail },
  { where: "phone", value: badPhone },
];

const serialize = (order: Order) => text(JSON.stringify(order));
const firstItem = (order: Order) => ((order.items as Order[])[0] ?? {}) as Order;

/** One field of a valid body replaced by a value of the wrong type or outside the contract (422). */
function wrongType(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    bodyFault(tokens, "wrong-type", (order) =>
      fc.constantFrom(...TOP_FAULTS).chain(({ where, value }) =>
        value.map((bad) => ({
          fault: `${where}: ${JSON.stringify(bad).slice(0, 40)}`,
          body: serialize({ ...order, [where]: bad }),
          status: 422,
        })),
      ),
    ),
    bodyFault(tokens, "wrong-type", (order) =>
      fc.constantFrom(...ITEM_FAULTS).chain(({ where, value }) =>
        value.map((bad) => {
          const items = [...(order.items as Order[])];
          items[items.length - 1] = { ...(items[items.length - 1] as Order), [where]: bad };
          return {
            fault: `items[].${where}: ${JSON.stringify(bad).slice(0, 40)}`,
            body: serialize({ ...order, items }),
            status: 422,
          };
        }),
      ),
    ),
    bodyFault(tokens, "wrong-type", (order) =>
      fc.constantFrom(...CONTACT_FAULTS).chain(({ where, value }) =>
        value.map((bad) => ({
          fault: `contact.${where}: ${JSON.stringify(bad).slice(0, 40)}`,
          body: serialize({ ...order, contact: { ...((order.contact as Order | undefined) ?? {}), [where]: bad } }),
          status: 422,
        })),
      ),
    ),
    // A valid order id where the saga generates it; a body that is not an object.
    bodyFault(tokens, "wrong-type", (order, path) =>
      path === "/saga/orders"
        ? validId.map((orderId) => ({
            fault: "orderId on the saga route",
            body: serialize({ ...order, orderId }),
            status: 422,
          }))
        : fc.constantFrom<Json>(null, true, 1, "order", [], [order]).map((bad) => ({
            fault: `body is ${JSON.stringify(bad).slice(0, 30)}`,
            body: text(JSON.stringify(bad)),
            status: 422,
          })),
    ),
  );
}

const REQUIRED = ["customerId", "currency", "items", "paymentMethodToken"] as const;
const ITEM_REQUIRED = ["sku", "qty", "unitPrice"] as const;

function missingField(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  return bodyFault(tokens, "missing-field", (order) =>
    fc.oneof(
      fc.constantFrom(...REQUIRED).map((field) => {
        const { [field]: _, ...rest } = order;
        return { fault: `no ${field}`, body: serialize(rest), status: 422 };
      }),
      fc.constantFrom(...ITEM_REQUIRED).map((field) => {
        const { [field]: _, ...item } = firstItem(order);
        const items = [item, ...(order.items as Order[]).slice(1)];
        return { fault: `no items[0].${field}`, body: serialize({ ...order, items }), status: 422 };
      }),
      fc.constant({ fault: "empty object", body: text("{}"), status: 422 }),
    ),
  );
}

const KNOWN = {
  top: ["orderId", "customerId", "currency", "items", "paymentMethodToken", "contact"],
  item: ["sku", "qty", "unitPrice"],
  contact: ["email", "phone"],
};
const unknownKey = (known: readonly string[]) =>
  fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 20 }),
      fc.constantFrom(
        "__proto__",
        "constructor",
        "prototype",
        "toString",
        "hasOwnProperty",
        "valueOf",
        "tenantId",
        "status",
        "totalAmount",
        "CustomerId",
        "customerid",
        "items ",
      ),
    )
    .filter((key) => !known.includes(key));
const unknownValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.constant({ prototype: { polluted: true } }),
);

/** Unknown fields: the request contract is strict at every level, so each is refused (422). */
function unknownField(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  const withKey = (order: Order, where: "top" | "item" | "contact", key: string, value: Json): Order => {
    const extra = Object.fromEntries([[key, value]]) as Order;
    if (where === "top") return { ...order, ...extra };
    if (where === "item") return { ...order, items: [{ ...firstItem(order), ...extra }] };
    return { ...order, contact: { ...((order.contact as Order | undefined) ?? {}), ...extra } };
  };
  return bodyFault(tokens, "unknown-field", (order) =>
    fc.constantFrom("top", "item", "contact" as const).chain((where) =>
      fc.tuple(unknownKey(KNOWN[where]), unknownValue).map(([key, value]) => {
        const bad = withKey(order, where, key, value);
        return {
          fault: `${where === "top" ? "" : `${where}.`}${JSON.stringify(key)}`,
          body: serialize(bad),
          status: forbiddenKey(bad) ? 400 : 422,
        };
      }),
    ),
  );
}

/** A field written twice, the last time with a bad value: JSON.parse keeps the last (422). */
function duplicateKey(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  return bodyFault(tokens, "duplicate-key", (order) =>
    fc.constantFrom(...TOP_FAULTS.filter(({ where }) => where !== "orderId")).chain(({ where, value }) =>
      value.map((bad) => {
        const json = JSON.stringify(order);
        return {
          fault: `${where} twice, last ${JSON.stringify(bad).slice(0, 30)}`,
          body: text(`${json.slice(0, -1)},${JSON.stringify(where)}:${JSON.stringify(bad)}}`),
          status: 422,
        };
      }),
    ),
  );
}

/**
 * Orders whose every field is valid but which the messages cannot carry: a total above the largest
 * amount, or more than the largest quantity of one SKU over repeated lines (422).
 */
function overLimit(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  return bodyFault(tokens, "over-limit", (order) =>
    fc.oneof(
      fc
        .tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: MAX_QUANTITY }))
        .filter(([lines, qty]) => lines * qty > 1)
        .map(([lines, qty]) => {
          // The smallest price in cents that takes the total above the largest amount.
          const price = Math.ceil((MAX_AMOUNT * 100 + 1) / (lines * qty)) / 100;
          const items = Array.from({ length: lines }, (_, index) => ({ sku: `SKU-${index}`, qty, unitPrice: price }));
          return {
            fault: `${lines} line(s) of ${qty} at ${price}: total above ${MAX_AMOUNT}`,
            body: serialize({ ...order, items }),
            status: 422,
          };
        }),
      fc
        .tuple(validId, fc.integer({ min: 2, max: 100 }))
        .chain(([sku, lines]) =>
          fc
            .array(fc.integer({ min: 1, max: MAX_QUANTITY }), { minLength: lines, maxLength: lines })
            .filter((quantities) => quantities.reduce((sum, qty) => sum + qty, 0) > MAX_QUANTITY)
            .map((quantities) => ({ sku, quantities })),
        )
        .map(({ sku, quantities }) => ({
          fault: `${quantities.length} lines of ${sku}: ${quantities.reduce((sum, qty) => sum + qty, 0)} in all`,
          body: serialize({ ...order, items: quantities.map((qty) => ({ sku, qty, unitPrice: 1 })) }),
          status: 422,
        })),
    ),
  );
}

/** Text that is not JSON, made from a valid body (400). */
function badJson(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  const broken = (json: string): fc.Arbitrary<{ fault: string; body: Body }> =>
    fc.oneof(
      fc.nat({ max: json.length - 1 }).map((end) => ({ fault: `truncated at ${end}`, body: text(json.slice(0, end)) })),
      fc.constant({ fault: "byte order mark", body: text(`\uFEFF${json}`) }),
      fc
        .constantFrom("NaN", "Infinity", "-Infinity", "undefined", "0x10", "01", "+1", ".5", "1.", "'a'")
        .map((literal) => ({ fault: `literal ${literal}`, body: text(`${json.slice(0, -1)},"x":${literal}}`) })),
      fc.constant({ fault: "single quotes", body: text(json.replaceAll('"', "'")) }),
      fc.constant({ fault: "trailing comma", body: text(`${json.slice(0, -1)},}`) }),
      fc.constant({ fault: "comment", body: text(`/* order */${json}`) }),
      fc.constantFrom("x", "}", "]", ",", "{}", "\u0000").map((tail) => ({
        fault: `trailing ${JSON.stringify(tail)}`,
        body: text(json + tail),
      })),
      fc.constant({ fault: "unquoted keys", body: text(json.replace(/"([A-Za-z]+)":/g, "$1:")) }),
      fc.constant({ fault: "raw newline in a string", body: text(json.replace('"customerId":"', '"customerId":"\n')) }),
      fc.constant({ fault: "bad escape", body: text(json.replace('"customerId":"', '"customerId":"\\x41')) }),
      fc.constant({ fault: "empty", body: text("") }),
      fc.constantFrom(" ", "\t\n", "   \r\n  ").map((blank) => ({ fault: "blank", body: text(blank) })),
      fc.constant({
        fault: "UTF-16",
        body: { kind: "bytes", bytes: [0xff, 0xfe, ...Buffer.from(json, "utf16le")] } as Body,
      }),
      fc.constant({ fault: "concatenated documents", body: text(`${json}${json}`) }),
    );
  return bodyFault(tokens, "bad-json", (order) =>
    broken(JSON.stringify(order)).map((bad) => ({ ...bad, status: 400 })),
  );
}

/** Deeply nested arrays or objects within the size limit: unbalanced is 400, balanced is the wrong shape (422). */
function deepNesting(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  return bodyFault(tokens, "deep-nesting", (order) =>
    fc
      .tuple(
        fc.oneof(fc.integer({ min: 100, max: 900 }), fc.integer({ min: 901, max: 9_000 })),
        fc.constantFrom("array", "object"),
        fc.constantFrom("whole", "customerId", "items", "contact"),
        fc.boolean(),
      )
      .map(([depth, shape, where, balanced]) => {
        const open = shape === "array" ? "[" : '{"a":';
        const close = shape === "array" ? "]" : "}";
        const nested = `${open.repeat(depth)}${shape === "array" ? "" : "1"}${balanced ? close.repeat(depth) : ""}`;
        const json = JSON.stringify(order);
        const body = where === "whole" ? nested : `${json.slice(0, -1)},${JSON.stringify(where)}:${nested}}`;
        return {
          fault: `${depth} nested ${shape}s in ${where}${balanced ? "" : ", unclosed"}`,
          body: text(body),
          // Past about 1,000 levels, valid JSON may be refused as malformed (the parser's recursion) or too deep to key.
          status: balanced ? (depth <= 900 ? 422 : [422, 400]) : 400,
        };
      }),
  );
}

/** Bytes that are not UTF-8: around the JSON (400), or in a field with a pattern (422). */
function nonUtf8(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  const badBytes = fc.constantFrom([0xff], [0xfe, 0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80], [0x80]);
  return bodyFault(tokens, "non-utf8", (order) =>
    fc.tuple(badBytes, fc.constantFrom("before", "between", "customerId", "currency", "sku")).map(([bytes, where]) => {
      const json = JSON.stringify(order);
      const encoded = [...Buffer.from(json, "utf8")];
      if (where === "before")
        return { fault: `${bytes} before`, body: { kind: "bytes", bytes: [...bytes, ...encoded] }, status: 400 };
      if (where === "between") {
        const at = json.indexOf(",") + 1;
        const head = [...Buffer.from(json.slice(0, at))];
        const tail = [...Buffer.from(json.slice(at))];
        return {
          fault: `${bytes} between fields`,
          body: { kind: "bytes", bytes: [...head, ...bytes, ...tail] },
          status: 400,
        };
      }
      const marker = where === "sku" ? '"sku":"' : `"${where}":"`;
      const at = Buffer.from(json.slice(0, json.indexOf(marker) + marker.length)).length;
      return {
        fault: `${bytes} in ${where}`,
        body: { kind: "bytes", bytes: [...encoded.slice(0, at), ...bytes, ...encoded.slice(at)] } as Body,
        status: 422,
      };
    }),
  );
}

/** Bodies above the function's limit (413 from the function), rarely above the gateway's (413 from the gateway). */
function hugeBody(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  const size = fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: FUNCTION_MAX_BODY + 1, max: FUNCTION_MAX_BODY + 4096 }) },
    { weight: 10, arbitrary: fc.integer({ min: FUNCTION_MAX_BODY + 4096, max: 512 * 1024 }) },
    { weight: 3, arbitrary: fc.integer({ min: 1024 * 1024, max: 5 * 1024 * 1024 }) },
    { weight: 1, arbitrary: fc.integer({ min: GATEWAY_MAX_BODY + 1, max: GATEWAY_MAX_BODY + 256 * 1024 }) },
  );
  return fc
    .tuple(postRoute, size, fc.constantFrom("json", "filler", "no content-type"), baseHeaders(tokens.valid, true))
    .map(([path, bytes, shape, headers]) => {
      const prefix =
        shape === "filler"
          ? ""
          : '{"customerId":"CUST-1","currency":"AUD","items":[{"sku":"SKU-1","qty":1,"unitPrice":1}],"paymentMethodToken":"';
      const suffix = shape === "filler" ? "" : '"}';
      const { "content-type": _, ...withoutType } = headers;
      return {
        category: "huge-body" as const,
        fault: `${bytes} bytes${shape === "no content-type" ? ", no content-type" : ""}`,
        method: "POST",
        path,
        headers: shape === "no content-type" ? withoutType : headers,
        body: { kind: "padded", prefix, size: bytes, suffix } as Body,
        expect: bytes > GATEWAY_MAX_BODY ? fromGateway(413) : fromFunction(413),
      };
    });
}

/** A JSON body under a media type the function does not read as JSON (415). */
function contentType(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  const mediaType = fc
    .oneof(
      fc.constantFrom(
        "text/plain",
        "text/json",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "application/jsonp",
        "application/json5",
        "application/x-json",
        "application/json, text/plain",
        "application/*",
        "*/*",
        "json",
        "application",
        "application/ json",
        "",
      ),
      headerText(60),
    )
    .filter((value) => !JSON_MEDIA_TYPE.test(received(value)));
  /** JSON declared in a charset other than UTF-8 (RFC 8259 §8.1): refused, not decoded as UTF-8. */
  const otherCharset = fc
    .tuple(
      fc.constantFrom("application/json", "application/merge-patch+json"),
      fc.constantFrom("utf-16", "UTF-16LE", '"utf-32"', "iso-8859-1", "latin1", "us-ascii", "windows-1252"),
      fc.constantFrom(";", "; ", " ; "),
    )
    .map(([type, charset, separator]) => `${type}${separator}charset=${charset}`);
  return fc
    .tuple(
      postRoute,
      fc.option(fc.oneof({ weight: 4, arbitrary: mediaType }, { weight: 1, arbitrary: otherCharset }), {
        nil: undefined,
      }),
      baseHeaders(tokens.valid, false),
    )
    .chain(([path, type, headers]) =>
      validOrder(path === "/orders").map((order) => ({
        category: "content-type" as const,
        fault: type === undefined ? "no content-type" : `content-type ${JSON.stringify(type)}`,
        method: "POST",
        path,
        headers: type === undefined ? headers : { ...headers, "content-type": type },
        body: serialize(order),
        expect: fromFunction(415),
      })),
    );
}

/** A route with a valid request of it, whatever the fault is to be. */
interface RouteRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Body | undefined;
}

const anyRoute = (token: string): fc.Arbitrary<RouteRequest> =>
  fc.constantFrom(...ROUTES).chain(
    (route): fc.Arbitrary<RouteRequest> =>
      route.method === "GET"
        ? fc.tuple(validId, baseHeaders(token, false)).map(([id, headers]) => ({
            method: route.method,
            path: `/orders/${id}`,
            headers,
            body: undefined,
          }))
        : fc.tuple(validOrder(route.path === "/orders"), baseHeaders(token, true)).map(([order, headers]) => ({
            method: route.method,
            path: route.path,
            headers,
            body: serialize(order),
          })),
  );

/** Missing, malformed, forged, expired or foreign tokens (401 from the gateway's JWT authorizer). */
function token(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  const authorization = fc.oneof(
    fc
      .constantFrom(...tokens.refused)
      .map(({ kind, token }) => ({ kind, value: `Bearer ${token}` as string | undefined })),
    fc.constant({ kind: "no authorization", value: undefined }),
    fc
      .constantFrom("", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a.b.c", "Bearer ..")
      .map((value) => ({ kind: `authorization ${JSON.stringify(value)}`, value: value as string | undefined })),
    headerText(200).map((value) => ({ kind: "random authorization", value: value as string | undefined })),
    fc
      .string({
        unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
        maxLength: 300,
      })
      .map((value) => ({ kind: "random bearer", value: `Bearer ${value}` as string | undefined })),
    fc.constant({ kind: "valid token followed by another", value: `Bearer ${tokens.valid}, Bearer x` }),
  );
  return fc.tuple(anyRoute(tokens.valid), authorization).map(([request, { kind, value }]) => {
    const { authorization: _, ...headers } = request.headers;
    return {
      category: "token" as const,
      fault: kind,
      ...request,
      headers: value === undefined ? headers : { ...headers, authorization: value },
      expect: fromGateway(401),
    };
  });
}

/** Verified tokens without a tenant or a user (403 from the function). */
function tenantClaims(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(anyRoute(tokens.valid), fc.constantFrom(...tokens.withoutTenant))
    .map(([request, { kind, token }]) => ({
      category: "tenant-claims" as const,
      fault: kind,
      ...request,
      headers: { ...request.headers, authorization: `Bearer ${token}` },
      expect: fromFunction(403),
    }));
}

/** Idempotency-Key values outside 1-255 visible ASCII characters (400). */
function idempotencyKey(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  const key = fc
    .oneof(
      fc.constant(""),
      fc.string({
        unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
        minLength: 256,
        maxLength: 400,
      }),
      fc.tuple(headerText(20), headerText(20)).map(([left, right]) => `${left || "k"} ${right || "k"}`),
      fc.tuple(headerText(10), headerText(10)).map(([left, right]) => `${left}\t${right || "k"}`),
      latin1Text,
    )
    .filter((value) => !IDEMPOTENCY_KEY.test(received(value)));
  return bodyFault(tokens, "idempotency-key", (order) =>
    fc.constant({ fault: "", body: serialize(order), status: 400 }),
  ).chain((request) =>
    key.map((value) => ({
      ...request,
      fault: `Idempotency-Key ${JSON.stringify(value).slice(0, 40)}`,
      headers: { ...request.headers, "idempotency-key": value },
    })),
  );
}

/** x-correlation-id values that are neither `corr_` and a ULID nor `corr_` and a UUID (400). */
function correlationId(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  const value = fc
    .oneof(
      headerText(120),
      latin1Text,
      fc.uuid(),
      fc.uuid().map((uuid) => `corr-${uuid}`),
      fc.uuid().map((uuid) => `CORR_${uuid}`),
      fc.uuid().map((uuid) => `corr_${uuid}x`),
      fc.constantFrom(
        "corr_01h8xgjwbwbbq6ha6drwdh4w6q",
        "corr_01H8XGJWBWBBQ6HA6DRWDH4W6",
        "corr_",
        "corr_ILOU0000000000000000000000",
      ),
    )
    .filter((candidate) => {
      const read = received(candidate);
      return read !== "" && !CORRELATION_ID.test(read);
    });
  return bodyFault(tokens, "correlation-id", (order) =>
    fc.constant({ fault: "", body: serialize(order), status: 400 }),
  ).chain((request) =>
    value.map((id) => ({
      ...request,
      fault: `x-correlation-id ${JSON.stringify(id).slice(0, 40)}`,
      headers: { ...request.headers, "x-correlation-id": id },
    })),
  );
}

/**
 * Who answers a GET of this path, and how: the gateway matches `/orders/{orderId}` on the
 * normalised path (404 when nothing matches, 400 when the id is not percent-encoded UTF-8); the
 * function answers 400 for an id outside the contract and 404 for an order that does not exist.
 */
export function expectedForGet(path: string): Expectation {
  const parts = new URL(path, "http://127.0.0.1").pathname.split("/").filter(Boolean);
  if (parts.length !== 2 || parts[0] !== "orders") return fromGateway(404);
  let id: string;
  try {
    id = decodeURIComponent(parts[1] as string);
  } catch {
    return fromGateway(400);
  }
  return fromFunction(ID.test(id) ? 404 : 400);
}

/** GET /orders/{orderId} with every kind of id: wrong characters, too long, badly encoded, extra segments. */
function pathFuzz(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  const pathChar = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
  const segment = fc.oneof(
    validId,
    fc.string({ unit: pathChar, minLength: 1, maxLength: 80 }),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).map(encodeURIComponent),
    fc.string({ unit: "binary", minLength: 1, maxLength: 10 }).map((value) => {
      try {
        return encodeURIComponent(value);
      } catch {
        return "%ED%A0%80";
      }
    }),
    fc.constantFrom("%", "%Z", "%ZZ", "%E0%A4%A", "%C0%AF", "%ED%A0%80", "%FF", "%00", "%2F", "..", ".", "%2e%2e"),
    fc.integer({ min: 65, max: 2000 }).map((length) => "A".repeat(length)),
  );
  const path = fc
    .tuple(
      fc.constantFrom("/orders/", "/orders//", "/Orders/", "/orders/x/", "//orders/"),
      segment,
      fc.constantFrom("", "/", "/more", "?x=1", "?x=%ZZ", "#frag", ";a=b"),
    )
    .map(([prefix, id, suffix]) => `${prefix}${id}${suffix}`);
  return fc.tuple(path, baseHeaders(tokens.valid, false)).map(([target, headers]) => ({
    category: "path" as const,
    fault: `GET ${target.slice(0, 60)}`,
    method: "GET",
    path: target,
    headers,
    expect: expectedForGet(target),
  }));
}

/** Methods and paths of no route (404 from the gateway). */
function method(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  const matches = (verb: string, target: string) => {
    const parts = target.split("?")[0]?.split("/").filter(Boolean) ?? [];
    if (verb === "POST") return parts.join("/") === "orders" || parts.join("/") === "saga/orders";
    return verb === "GET" && parts.length === 2 && parts[0] === "orders";
  };
  return fc
    .tuple(
      fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"),
      fc.constantFrom(
        "/orders",
        "/saga/orders",
        "/orders/ORD-1",
        "/",
        "/saga",
        "/orders/ORD-1/items",
        "/saga/orders/x",
        "/order",
      ),
      validOrder(false),
      baseHeaders(tokens.valid, true),
    )
    .filter(([verb, target]) => !matches(verb, target))
    .map(([verb, target, order, headers]) => ({
      category: "method" as const,
      fault: `${verb} ${target}`,
      method: verb,
      path: target,
      headers,
      ...(verb === "GET" || verb === "HEAD" ? {} : { body: serialize(order) }),
      expect: fromGateway(404),
    }));
}

/** Every kind of malformed request, weighted towards the body faults. */
export function malformedRequests(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 8, arbitrary: badJson(tokens) },
    { weight: 3, arbitrary: deepNesting(tokens) },
    { weight: 3, arbitrary: nonUtf8(tokens) },
    { weight: 12, arbitrary: wrongType(tokens) },
    { weight: 5, arbitrary: missingField(tokens) },
    { weight: 6, arbitrary: unknownField(tokens) },
    { weight: 3, arbitrary: duplicateKey(tokens) },
    { weight: 3, arbitrary: overLimit(tokens) },
    { weight: 3, arbitrary: hugeBody(tokens) },
    { weight: 5, arbitrary: contentType(tokens) },
    { weight: 8, arbitrary: token(tokens) },
    { weight: 3, arbitrary: tenantClaims(tokens) },
    { weight: 4, arbitrary: idempotencyKey(tokens) },
    { weight: 4, arbitrary: correlationId(tokens) },
    { weight: 6, arbitrary: pathFuzz(tokens) },
    { weight: 3, arbitrary: method(tokens) },
  );
}

/** The bytes of a body. */
export function bytesOf(body: Body): Buffer {
  if (body.kind === "text") return Buffer.from(body.text, "utf8");
  if (body.kind === "bytes") return Buffer.from(body.bytes);
  const fill = Math.max(0, body.size - Buffer.byteLength(body.prefix) - Buffer.byteLength(body.suffix));
  return Buffer.concat([Buffer.from(body.prefix), Buffer.alloc(fill, "x"), Buffer.from(body.suffix)]);
}

/** A request in a line, for a counterexample. */
export function describe(request: FuzzRequest): string {
  const headers = Object.entries(request.headers)
    .map(([name, value]) => `${name}: ${value.length > 60 ? `${value.slice(0, 57)}...` : value}`)
    .join(" | ");
  const body =
    request.body === undefined
      ? "(no body)"
      : request.body.kind === "padded"
        ? `(${request.body.size} bytes: ${request.body.prefix.slice(0, 40)}xxx...)`
        : JSON.stringify(bytesOf(request.body).toString("utf8").slice(0, 300));
  return `[${request.category}] ${request.fault}\n  ${request.method} ${request.path}\n  ${headers}\n  ${body}`;
}
