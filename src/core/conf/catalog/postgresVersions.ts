/**
 * The PostgreSQL majors the catalogue knows, apart from the catalogue itself (postgres.ts): a pgpool.conf lint
 * needs only these, and its process then does not load the GUC tables.
 */
export const PG_VERSIONS: readonly number[] = [9.6, 10, 11, 12, 13, 14, 15, 16, 17];
export const NEWEST_PG = 17;

/** Maps `15`, `15.4`, `9.6.24`, `PostgreSQL 12` to a supported major, clamping outside values. */
export function pgMajorOf(version: string): number | undefined {
  const m = /(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) return undefined;
  const major = Number(m[1]);
  let v = major >= 10 ? major : Number(`${major}.${m[2] ?? '0'}`);
  if (v < 9.6) v = 9.6;
  if (v > NEWEST_PG) v = NEWEST_PG;
  return PG_VERSIONS.includes(v) ? v : undefined;
}
