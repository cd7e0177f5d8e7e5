/** One generated GUC row: [type, context, min, max, base unit, enum values] for the listed major versions. */
export type RawPgGuc = [string, string, number | null, number | null, string, string[]];
export type RawPgGucSpan = [number[], RawPgGuc];
