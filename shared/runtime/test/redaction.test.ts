import { createCommand } from "@keel/contracts";
import { redactingReplacer, SENSITIVE_KEYS } from "../src/redaction";

describe("log redaction", () => {
  it("covers every field the registry classifies, plus tokens and credentials", () => {
    expect([...SENSITIVE_KEYS]).toEqual(
      expect.arrayContaining(["paymentMethodToken", "email", "phone", "recipient", "taskToken", "authorization"]),
    );
  });

  it("masks them wherever they sit in a logged value", () => {
    const command = createCommand(
      "CreateOrder",
      {
        orderId: "ORD-1",
        customerId: "CUST-1",
        currency: "AUD",
        items: [{ sku: "SKU-123", qty: 1, unitPrice: 5 }],
        paymentMethodToken: "tok_live_secret",
        contact: { email: "ada@example.com", phone: "+61400000000" },
      },
      { tenantId: "t", initiator: { type: "user", id: "u" }, replyTo: { taskToken: "token-secret" } },
    );
    const line = JSON.stringify(
      { message: "received", event: { detail: command }, headers: { authorization: "Bearer x" } },
      redactingReplacer,
    );
    for (const secret of ["tok_live_secret", "ada@example.com", "+61400000000", "token-secret", "Bearer x"]) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain("ORD-1");
  });

  it("masks them inside strings that hold JSON: a request body, an execution's input", () => {
    const body = JSON.stringify({
      orderId: "ORD-2",
      paymentMethodToken: "tok_in_body",
      contact: { email: "b@example.com" },
    });
    const input = JSON.stringify({
      command: { data: { items: [], contact: { phone: "+61411111111" } } },
      note: "keep",
    });
    const line = JSON.stringify(
      { event: { body, isBase64Encoded: false }, detail: { input, output: "not json", list: [input] } },
      redactingReplacer,
    );
    for (const secret of ["tok_in_body", "b@example.com", "+61411111111"]) expect(line).not.toContain(secret);
    expect(line).toContain("ORD-2");
    expect(line).toContain("keep");
    expect(line).toContain("not json");
    // A string that only looks like JSON, or holds nothing sensitive, is left as it was.
    expect(JSON.stringify({ text: "{not json" }, redactingReplacer)).toBe('{"text":"{not json"}');
    expect(JSON.stringify({ body: '{"a": 1}' }, redactingReplacer)).toBe('{"body":"{\\"a\\": 1}"}');
  });
});
