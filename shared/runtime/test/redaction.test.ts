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
});
