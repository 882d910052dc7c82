/** AWS's error for a bad pattern; the SDK and our servers surface `name` as the error code. */
export class InvalidEventPatternError extends Error {
  override readonly name = "InvalidEventPatternException";

  constructor(readonly reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
  }
}

/** Rejects the pattern with AWS's reason text. */
export function fail(reason: string): never {
  throw new InvalidEventPatternError(reason);
}
