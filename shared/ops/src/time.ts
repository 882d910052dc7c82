const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `2026-11-24T10:00:00Z`, `now`, or a time ago: `90s`, `15m`, `2h`, `7d`. */
export function parseTime(text: string, now: Date = new Date()): Date {
  if (text === "now") return now;
  const relative = /^(\d+)([smhd])$/.exec(text);
  if (relative?.[1] && relative[2]) return new Date(now.getTime() - Number(relative[1]) * (UNITS[relative[2]] ?? 0));
  const date = new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new Error(`not a time: "${text}" (ISO 8601, "now", or a time ago such as 15m, 2h, 7d)`);
  return date;
}
