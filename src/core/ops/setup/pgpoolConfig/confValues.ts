/**
 * pgpool.conf string values: pgpool's lexer takes `'...'` and strips only the outer quotes (no escape
 * processing), so a value containing a quote or a line break cannot be written at all.
 */
export function confString(value: string): string {
  if (/['\n\r]/.test(value)) {
    throw new Error(`The value ${JSON.stringify(value)} cannot be written to pgpool.conf: pgpool has no way to escape quotes or line breaks.`);
  }
  return `'${value}'`;
}

export const confBool = (b: boolean): string => (b ? 'on' : 'off');

export function confLine(name: string, value: string | number | boolean): string {
  const v = typeof value === 'string' ? confString(value) : typeof value === 'boolean' ? confBool(value) : String(value);
  return `${name} = ${v}`;
}
