/** One generated row: [type, default, min, max, enumValues, context, indexed, indexMax, unit, group, flags, listSeparator, alias]. */
export type RawPgpoolSpec = [
  string, string, number | null, number | null, string[], string, string, number | null, string, string, string, string, string,
];
/** [firstReleaseIndex, lastReleaseIndex, spec]: the spec holds for every release in the span. */
export type RawPgpoolSpan = [number, number, RawPgpoolSpec];
