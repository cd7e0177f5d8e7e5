/** File name -> language id (the language table in README and ARCHITECTURE.md). */
import type { ConfLanguageId } from './types';

export function languageIdForFile(fileName: string): ConfLanguageId | undefined {
  const base = fileName.replace(/\\/g, '/').split('/').pop() ?? '';
  if (base === 'pgpool.conf' || base.startsWith('pgpool.conf.sample') || base.endsWith('.pgpool.conf')) return 'pgpool-conf';
  if (base === 'postgresql.conf' || base === 'postgresql.auto.conf' || base.endsWith('.postgresql.conf')) return 'postgresql-conf';
  if (base === 'recovery.conf' || base === 'recovery.done') return 'recovery-conf';
  if (base === 'pg_hba.conf' || base === 'pool_hba.conf') return 'pg-hba-conf';
  if (base === 'pcp.conf') return 'pcp-conf';
  return undefined;
}
