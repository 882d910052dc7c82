import type { Channel } from "../domain/notification";
import type { ChannelPort } from "../domain/ports";

/**
 * A provider refused or failed a message. The error names the channel and the provider's error
 * code only: provider messages can quote the recipient (SES rejections do), and this error ends in
 * the function's logs and in its failure destination on the event bus.
 */
export class ChannelError extends Error {
  override readonly name = "ChannelError";
  readonly code: string;
  constructor(
    readonly channel: Channel,
    error: unknown,
  ) {
    const code = error instanceof Error ? error.name : "UnknownError";
    const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
    super(`the ${channel} provider did not take the message: ${code}${status ? ` (HTTP ${status})` : ""}`);
    this.code = code;
  }
}

/** One port over a sender per channel. */
export function byChannel(senders: Readonly<Record<Channel, ChannelPort>>): ChannelPort {
  return { send: (message) => senders[message.channel].send(message) };
}
