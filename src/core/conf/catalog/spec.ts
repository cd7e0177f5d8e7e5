/** The shape every parameter catalogue (pgpool-II, PostgreSQL, recovery.conf) is read into. */

export type ParamType = 'bool' | 'int' | 'long' | 'double' | 'string' | 'list' | 'enum';

/** Base unit of a numeric parameter; a value without a unit is in this unit. */
export type ParamUnit = 'B' | 'kB' | 'MB' | '8kB' | 'ms' | 's' | 'min';

/** restart: read only at start; reload: SIGHUP/`pgpool reload`; session: also settable per session. */
export type ParamContext = 'restart' | 'reload' | 'session';

export interface ParamSpec {
  name: string;
  type: ParamType;
  default: string;
  min?: number;
  max?: number;
  /** Accepted enum values, lower-case; the first ones are documented, `hiddenEnum` are accepted silently. */
  enumValues?: string[];
  hiddenEnum?: string[];
  context: ParamContext;
  /** no: plain; yes: only `nameN`; both: `name` (all nodes) and `nameN` (one node). */
  indexed: 'no' | 'yes' | 'both';
  /** Highest valid index for indexed parameters. */
  indexMax?: number;
  unit?: ParamUnit;
  group?: string;
  /** Password-like: never echo the value. */
  secret?: boolean;
  /** A deprecated alias still accepted: the name that should be used instead. */
  aliasOf?: string;
  listSeparator?: string;
}
