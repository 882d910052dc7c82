import type { ChannelPort } from "../domain/ports";

/**
 * Sends nothing: the notification's record in the notifications table is the evidence of what
 * would have gone out. The transport when NOTIFICATION_TRANSPORT is `record` (running locally,
 * tests), so no address is ever written to by accident.
 */
export function recordingChannel(): ChannelPort {
  return { send: async () => ({}) };
}
