/**
 * One generated GUC row: [type, context, min, max, base unit, enum values, hidden enum spellings?] for the listed
 * major versions. Context "internal": the server refuses the name in a configuration file whatever the value.
 */
export type RawPgGuc = [string, string, number | null, number | null, string, string[], string[]?];
export type RawPgGucSpan = [number[], RawPgGuc];
