/** A pgpool.conf read the way pgpool reads it: names resolved, later lines winning, backends by index. */
import { pgpoolCatalog, resolvePgpoolName, type ResolvedName } from './catalog/pgpool';
import type { ParamSpec } from './catalog/spec';
import type { ConfEntry, ParsedConf } from './parser';
import { parseBool, parseNumber } from './values';

export interface PgpoolSetting {
  entry: ConfEntry;
  resolved?: ResolvedName;
}

export interface BackendSlot {
  index: number;
  hostname?: ConfEntry;
  port?: ConfEntry;
  entries: PgpoolSetting[];
}

export class PgpoolModel {
  readonly settings: PgpoolSetting[] = [];
  readonly catalog: Map<string, ParamSpec>;
  /** The winning entry for every written name. */
  readonly last = new Map<string, ConfEntry>();
  private backendCache?: Map<number, BackendSlot>;

  constructor(readonly doc: ParsedConf, readonly release: string) {
    this.catalog = pgpoolCatalog(release);
    // Big files repeat a few names thousands of times: resolve each name once (the result is read-only).
    const byName = new Map<string, ResolvedName | undefined>();
    for (const entry of doc.entries) {
      if (entry.kind !== 'setting') continue;
      let resolved = byName.get(entry.name);
      if (resolved === undefined && !byName.has(entry.name)) {
        resolved = resolvePgpoolName(this.catalog, entry.name);
        byName.set(entry.name, resolved);
      }
      this.settings.push(resolved ? { entry, resolved } : { entry });
      this.last.set(entry.name, entry);
    }
  }

  /** The written value of a name, or undefined when the file does not set it. */
  written(name: string): string | undefined {
    return this.last.get(name)?.value;
  }

  /** The value pgpool uses: the written one, else the release's default. */
  effective(name: string): string | undefined {
    const w = this.written(name);
    if (w !== undefined) return w;
    return this.catalog.get(name)?.default;
  }

  bool(name: string): boolean {
    const v = this.effective(name);
    if (v === undefined) return false;
    // pgpool stores an invalid boolean as on.
    return parseBool(v) ?? true;
  }

  number(name: string): number | undefined {
    const v = this.effective(name);
    if (v === undefined) return undefined;
    const spec = this.catalog.get(name);
    const p = parseNumber(v, spec?.unit, spec?.type !== 'double');
    return p.ok ? p.value : undefined;
  }

  /** Per-node value: `nameN` if written, else the global `name`. */
  nodeNumber(name: string, index: number): number | undefined {
    const w = this.written(`${name}${index}`);
    if (w !== undefined) {
      const spec = this.catalog.get(name);
      const p = parseNumber(w, spec?.unit, true);
      return p.ok ? p.value : undefined;
    }
    return this.number(name);
  }

  nodeString(name: string, index: number): string | undefined {
    return this.written(`${name}${index}`) ?? this.effective(name);
  }

  /** Slots that mention any backend_* parameter, keyed by index (last entry per name wins). */
  backendSlots(): Map<number, BackendSlot> {
    if (this.backendCache) return this.backendCache;
    const slots = new Map<number, BackendSlot>();
    for (const s of this.settings) {
      const r = s.resolved;
      if (!r || r.index === undefined || !r.base.startsWith('backend_')) continue;
      let slot = slots.get(r.index);
      if (!slot) { slot = { index: r.index, entries: [] }; slots.set(r.index, slot); }
      slot.entries.push(s);
      if (r.base === 'backend_hostname') slot.hostname = s.entry;
      if (r.base === 'backend_port') slot.port = s.entry;
    }
    this.backendCache = new Map([...slots.entries()].sort((a, b) => a[0] - b[0]));
    return this.backendCache;
  }

  /** Slots pgpool uses: a port that is set and not 0. */
  usedBackends(): BackendSlot[] {
    const max = this.catalog.get('backend_port')?.indexMax ?? 127;
    return [...this.backendSlots().values()].filter((s) => s.index <= max && s.port !== undefined && s.port.value.trim() !== '0' && s.port.value.trim() !== '');
  }

  /** Streaming replication: backend_clustering_mode (4.2+) or master_slave_mode + sub_mode stream (before). */
  isStreamingReplication(): boolean {
    if (this.catalog.has('backend_clustering_mode')) {
      return (this.effective('backend_clustering_mode') ?? '').toLowerCase() === 'streaming_replication';
    }
    return this.bool('master_slave_mode') && (this.effective('master_slave_sub_mode') ?? '').toLowerCase() === 'stream';
  }
}
