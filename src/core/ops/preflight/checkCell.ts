/** One cell of `check`: what was probed, from where to where, and how to make it pass. */
export type CheckSection = 'discovery' | 'ssh' | 'postgres-port' | 'replication' | 'pass-files' | 'version' | 'settings' | 'extension' | 'scripts' | 'pcp' | 'watchdog' | 'guard';

export interface CheckCell {
  readonly section: CheckSection;
  readonly from: string;
  readonly to: string;
  readonly what: string;
  readonly ok: boolean;
  readonly detail: string;
  /** How to make it pass; set on failing cells. */
  readonly fix?: string;
  /** The check cannot tell (e.g. a script builds its ssh command at run time); not a failure. */
  readonly unknown?: boolean;
}

/** A cell before its section is set: probes of one section build these and the caller files them. */
export type UnfiledCheckCell = Omit<CheckCell, 'section'>;
