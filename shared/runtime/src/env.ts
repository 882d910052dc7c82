/** A required environment variable; a clear error names the one that is missing. */
export function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`environment variable ${name} is not set`);
  return value;
}

export const optionalEnv = (name: string): string | undefined => process.env[name] || undefined;
