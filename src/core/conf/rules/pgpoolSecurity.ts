/** Secrets in clear text and open doors in pgpool.conf. */
import type { RuleContext } from '../context';
import type { PgpoolModel } from '../pgpoolModel';

const PASSWORDS = ['recovery_password', 'sr_check_password', 'health_check_password', 'wd_lifecheck_password'];

export function checkPgpoolSecurity(ctx: RuleContext, model: PgpoolModel): void {
  for (const s of model.settings) {
    const e = s.entry;
    const base = s.resolved?.base ?? e.name;
    if (PASSWORDS.includes(base) && e.value !== '') {
      if (/^AES/.test(e.value)) continue;
      if (/^md5/.test(e.value)) {
        if (base === 'recovery_password') {
          ctx.report({ range: e.valueRange, severity: 'error', code: 'pgpool/cleartext-password',
            message: 'recovery_password must not be an md5 hash (pgpool must log in with it); leave it empty to use pool_passwd, or store it AES-encrypted with pg_enc.' });
        }
        continue;
      }
      ctx.report({ range: e.valueRange, severity: 'warning', code: 'pgpool/cleartext-password',
        message: `${e.name} holds a clear-text password in pgpool.conf. Leave it empty ('') so pgpool reads it from pool_passwd, or store it encrypted with pg_enc (AES, key in ~/.pgpoolkey).`,
        fixes: [{ title: `Clear ${e.name} (use pool_passwd)`, edits: [{ range: e.valueRange, newText: "''" }] }] });
    }
    if (base === 'wd_authkey' && e.value !== '') {
      ctx.report({ range: e.valueRange, severity: 'information', code: 'pgpool/cleartext-password',
        message: 'wd_authkey is a shared secret in clear text: keep pgpool.conf readable only by the pgpool user (chmod 600).' });
    }
  }
  const hba = model.last.get('enable_pool_hba');
  if (hba && !model.bool('enable_pool_hba')) {
    const listen = (model.effective('listen_addresses') ?? '').trim();
    const open = listen === '*' || listen.split(',').some((a) => a.trim() === '*' || a.trim() === '0.0.0.0');
    ctx.report({ range: hba.valueRange, severity: open ? 'warning' : 'information', code: 'pgpool/pool-hba-disabled',
      message: open
        ? "enable_pool_hba = off with listen_addresses = '*': pgpool accepts clients from every address without its own host-based checks. Turn enable_pool_hba on and list clients in pool_hba.conf."
        : 'enable_pool_hba = off: pgpool does no host-based authentication of its own (pool_hba.conf is ignored).' });
  }
}
