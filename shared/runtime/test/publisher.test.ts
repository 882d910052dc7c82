import type { PutEventsCommand, PutEventsCommandOutput } from "@aws-sdk/client-eventbridge";
import { createEvent } from "@keel/contracts";
import { BusPublisher, PublishError } from "../src";

const event = (orderId: string) =>
  createEvent(
    "PaymentAuthorized",
    { orderId, authorizationId: `auth-${orderId}`, amount: 10, currency: "AUD" },
    { tenantId: "t" },
  );

/** A PutEvents client that refuses the entries `refuse` picks, call after call. */
function fakeClient(refuse: (detail: { data: { orderId: string } }, call: number) => string | undefined) {
  const calls: string[][] = [];
  return {
    calls,
    send: async (command: PutEventsCommand): Promise<PutEventsCommandOutput> => {
      const entries = command.input.Entries ?? [];
      calls.push(entries.map((entry) => JSON.parse(entry.Detail ?? "{}").data.orderId));
      const results = entries.map((entry) => {
        const code = refuse(JSON.parse(entry.Detail ?? "{}"), calls.length);
        return code
          ? { ErrorCode: code, ErrorMessage: "refused" }
          : { EventId: `id-${JSON.parse(entry.Detail ?? "{}").data.orderId}` };
      });
      return {
        FailedEntryCount: results.filter((result) => "ErrorCode" in result).length,
        Entries: results,
        $metadata: {},
      };
    },
  };
}

const noSleep = { sleep: async () => undefined };

describe("BusPublisher", () => {
  it("retries only the entries PutEvents refused, and returns every event id in order", async () => {
    const client = fakeClient((detail, call) =>
      call === 1 && detail.data.orderId === "B" ? "ThrottlingException" : undefined,
    );
    const ids = await new BusPublisher(client, "bus", noSleep).publish([event("A"), event("B"), event("C")]);
    expect(ids).toEqual(["id-A", "id-B", "id-C"]);
    expect(client.calls).toEqual([["A", "B", "C"], ["B"]]);
  });

  it("throws, naming what could not be published, rather than dropping it", async () => {
    const client = fakeClient((detail) => (detail.data.orderId === "B" ? "InternalFailure" : undefined));
    const failure = await new BusPublisher(client, "bus", { ...noSleep, maxAttempts: 3 })
      .publish([event("A"), event("B")])
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PublishError);
    expect((failure as PublishError).failed).toEqual([
      { detailType: "PaymentAuthorized", errorCode: "InternalFailure", errorMessage: "refused" },
    ]);
    expect(client.calls).toEqual([["A", "B"], ["B"], ["B"]]);
  });

  it("retries a call that failed as a whole", async () => {
    let calls = 0;
    const client = {
      send: async (command: PutEventsCommand): Promise<PutEventsCommandOutput> => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
        return {
          FailedEntryCount: 0,
          Entries: (command.input.Entries ?? []).map((_, index) => ({ EventId: `e${index}` })),
          $metadata: {},
        };
      },
    };
    expect(await new BusPublisher(client, "bus", noSleep).publish([event("A")])).toEqual(["e0"]);
  });

  it("sends at most ten entries per call", async () => {
    const client = fakeClient(() => undefined);
    await new BusPublisher(client, "bus", noSleep).publish(
      Array.from({ length: 23 }, (_, index) => event(`O${index}`)),
    );
    expect(client.calls.map((call) => call.length)).toEqual([10, 10, 3]);
  });
});
