/**
 * Registers the PostgreSQL-only rules with lint.ts on import. The conf barrel (index.ts) imports this module, so
 * the editor and everything else that imports core/conf lints every language; the CLI's lint imports it only when
 * one of its files is a postgresql.conf or recovery.conf, so a pgpool.conf lint never reads the PostgreSQL catalogues.
 */
import { usePostgresRules } from './lint';
import { checkPostgresql } from './rules/postgresql';
import { checkRecoveryConf } from './rules/recoveryConf';

usePostgresRules({ checkPostgresql, checkRecoveryConf });
