import * as z from "zod/mini";
import { pii } from "../classification";
import { defineEvent } from "../define";
import { sourceOf } from "../domains";
import { orderId } from "./fields";

export const NotificationSent = defineEvent({
  name: "NotificationSent",
  owner: "notifications",
  source: sourceOf("notifications", "service"),
  description: "Someone was told about an order on one channel: the customer, or the team that acts on it.",
  flows: ["orchestration", "choreography"],
  versions: [
    {
      version: "1.0",
      schema: z.object({
        orderId,
        channel: z.enum(["email", "sms"]),
        template: z.enum(["order-created", "order-rejected", "payment-failed", "shipping-scheduled"]),
        recipient: pii(z.string().check(z.minLength(3), z.maxLength(320))),
        /** The event the notification is about. */
        about: z.string().check(z.minLength(1), z.maxLength(64)),
      }),
    },
  ],
});
