/** The one timestamp the product puts in names it makes (moved-aside data directories, backups): `20261129-175500`, UTC. */
export function timestampSuffix(d: Date = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}
