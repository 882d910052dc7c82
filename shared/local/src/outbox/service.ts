import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsError, type ServiceRoute } from "../aws/protocol";

/**
 * Where email and SMS go locally: Amazon SES (v2 API, `SendEmail`) and Amazon SNS (`Publish` to a
 * phone number) answer as AWS does and keep what would have been delivered, for tests to read.
 * Nothing leaves the machine.
 */

export interface SentEmail {
  messageId: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text?: string;
  html?: string;
  at: string;
}

export interface SentSms {
  messageId: string;
  phoneNumber: string;
  message: string;
  attributes: Record<string, string>;
  at: string;
}

export class Outbox {
  readonly emails: SentEmail[] = [];
  readonly sms: SentSms[] = [];
}

/** Checks a caller may make an SES or SNS call: (request, IAM service, operation, input). */
export type OutboxAuthorizer = (
  request: IncomingMessage,
  service: "ses" | "sns",
  operation: string,
  input: Record<string, unknown>,
) => void;

const E164 = /^\+[1-9]\d{6,14}$/;

function sendJson(response: ServerResponse, status: number, body: unknown, errorType?: string) {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(payload),
    "x-amzn-requestid": randomUUID(),
    ...(errorType ? { "x-amzn-errortype": errorType } : {}),
  });
  response.end(payload);
}

const escapeXml = (text: string) =>
  text.replace(/[<>&'"]/g, (char) => `&${{ "<": "lt", ">": "gt", "&": "amp", "'": "apos", '"': "quot" }[char]};`);

function sendXml(response: ServerResponse, status: number, xml: string) {
  response.writeHead(status, { "content-type": "text/xml", "content-length": Buffer.byteLength(xml) });
  response.end(xml);
}

const snsError = (error: AwsError) =>
  `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${escapeXml(
    error.code,
  )}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;

interface SesContent {
  Simple?: {
    Subject?: { Data?: string };
    Body?: { Text?: { Data?: string }; Html?: { Data?: string } };
  };
}

/** SESv2 `SendEmail` (`POST /v2/email/outbound-emails`, REST-JSON). */
export function sesRoute(outbox: Outbox, authorize?: OutboxAuthorizer): ServiceRoute {
  return {
    handle(request, response, body) {
      const path = new URL(request.url ?? "/", "http://local").pathname;
      if (request.method !== "POST" || path !== "/v2/email/outbound-emails") return false;
      try {
        const input = JSON.parse(body.toString("utf8") || "{}") as {
          FromEmailAddress?: string;
          Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
          Content?: SesContent;
        };
        const from = input.FromEmailAddress;
        if (!from) throw new AwsError("BadRequestException", "FromEmailAddress is required (no default identity)");
        const to = input.Destination?.ToAddresses ?? [];
        const cc = input.Destination?.CcAddresses ?? [];
        const bcc = input.Destination?.BccAddresses ?? [];
        if (to.length + cc.length + bcc.length === 0)
          throw new AwsError("BadRequestException", "Destination must name at least one recipient");
        if (to.length + cc.length + bcc.length > 50)
          throw new AwsError("BadRequestException", "a message may have at most 50 recipients");
        const simple = input.Content?.Simple;
        if (!simple?.Subject?.Data || !(simple.Body?.Text?.Data || simple.Body?.Html?.Data))
          throw new AwsError("BadRequestException", "Content.Simple needs a Subject and a Text or Html body");
        authorize?.(request, "ses", "SendEmail", input as Record<string, unknown>);
        const messageId = `${randomUUID()}-local`;
        outbox.emails.push({
          messageId,
          from,
          to,
          cc,
          bcc,
          subject: simple.Subject.Data,
          ...(simple.Body?.Text?.Data !== undefined ? { text: simple.Body.Text.Data } : {}),
          ...(simple.Body?.Html?.Data !== undefined ? { html: simple.Body.Html.Data } : {}),
          at: new Date().toISOString(),
        });
        sendJson(response, 200, { MessageId: messageId });
      } catch (error) {
        if (error instanceof SyntaxError)
          sendJson(response, 400, { message: "body is not JSON" }, "BadRequestException");
        else if (error instanceof AwsError)
          sendJson(
            response,
            error.code === "AccessDeniedException" ? 403 : error.status,
            { message: error.message },
            error.code,
          );
        else throw error;
      }
      return true;
    },
  };
}

/** SNS `Publish` to a phone number (the Query protocol: form-encoded in, XML out). */
export function snsRoute(outbox: Outbox, authorize?: OutboxAuthorizer): ServiceRoute {
  return {
    handle(request, response, body) {
      const type = String(request.headers["content-type"] ?? "");
      if (request.method !== "POST" || !type.startsWith("application/x-www-form-urlencoded")) return false;
      const form = new URLSearchParams(body.toString("utf8"));
      if (!form.has("Action") || form.get("Version") !== "2010-03-31") return false;
      const action = form.get("Action") ?? "";
      try {
        if (action !== "Publish")
          throw new AwsError("InvalidAction", `SNS ${action} is not served by the Keel local runtime (Publish is)`);
        const phoneNumber = form.get("PhoneNumber");
        const message = form.get("Message");
        if (form.get("TopicArn") || form.get("TargetArn"))
          throw new AwsError(
            "NotFound",
            "the local runtime delivers SMS to phone numbers only, no topics or endpoints",
          );
        if (!phoneNumber || !E164.test(phoneNumber))
          throw new AwsError("InvalidParameter", "Invalid parameter: PhoneNumber Reason: not an E.164 phone number");
        if (!message) throw new AwsError("InvalidParameter", "Invalid parameter: Message Reason: empty");
        const attributes: Record<string, string> = {};
        for (let index = 1; form.has(`MessageAttributes.entry.${index}.Name`); index += 1) {
          attributes[form.get(`MessageAttributes.entry.${index}.Name`) ?? ""] =
            form.get(`MessageAttributes.entry.${index}.Value.StringValue`) ?? "";
        }
        authorize?.(request, "sns", "Publish", { PhoneNumber: phoneNumber });
        const messageId = randomUUID();
        outbox.sms.push({ messageId, phoneNumber, message, attributes, at: new Date().toISOString() });
        sendXml(
          response,
          200,
          `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
        );
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        // SNS names an IAM refusal AuthorizationError.
        const refused = error.code === "AccessDeniedException";
        sendXml(
          response,
          refused ? 403 : error.status,
          snsError(refused ? new AwsError("AuthorizationError", error.message, 403) : error),
        );
      }
      return true;
    },
  };
}
