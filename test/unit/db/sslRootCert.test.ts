import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgSqlClient, rootCertificate } from '../../../src/core/db/pgClient';
import { DbError } from '../../../src/core/db/types';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test('verify-ca / verify-full without a root certificate fail like libpq, naming the file and what to do', () => {
  const home = mkdtempSync(join(tmpdir(), 'rootcert-'));
  for (const mode of ['verify-ca', 'verify-full'] as const) {
    assert.throws(() => rootCertificate({}, mode, 'u@h:5432/db', home), (e: unknown) => e instanceof DbError && e.code === 'connect-failed'
      && e.message.includes(join(home, '.postgresql', 'root.crt')) && /does not exist/.test(e.message) && /PGSSLROOTCERT=system/.test(e.message) && e.message.includes(`sslmode=${mode}`));
    assert.throws(() => rootCertificate({ PGSSLROOTCERT: join(home, 'nope.pem') }, mode, 'x', home), /nope\.pem", which does not exist/);
  }
});

test('the root certificate comes from PGSSLROOTCERT, else ~/.postgresql/root.crt; "system" means the public CAs', () => {
  const home = mkdtempSync(join(tmpdir(), 'rootcert-'));
  mkdirSync(join(home, '.postgresql'));
  writeFileSync(join(home, '.postgresql', 'root.crt'), PEM);
  assert.deepEqual(rootCertificate({}, 'verify-ca', 'x', home), { ca: PEM, system: false });
  writeFileSync(join(home, 'other.pem'), `${PEM}x`);
  assert.deepEqual(rootCertificate({ PGSSLROOTCERT: join(home, 'other.pem') }, 'verify-full', 'x', home), { ca: `${PEM}x`, system: false });
  assert.deepEqual(rootCertificate({ PGSSLROOTCERT: 'system' }, 'verify-ca', 'x', home), { system: true });
});

test('a client with sslmode=verify-full and no root certificate refuses before dialling (no fallback to the public CAs)', async () => {
  const home = mkdtempSync(join(tmpdir(), 'rootcert-'));
  // 127.0.5.250:1 is closed: had the client dialled, the error would be "connection refused".
  const client = new PgSqlClient({ host: '127.0.5.250', port: 1, user: 'u', database: 'd', sslmode: 'verify-full', env: { PGSSLROOTCERT: join(home, 'missing.crt'), PGPASSWORD: 'x' } });
  await assert.rejects(client.query('SELECT 1'), /root certificate file .*missing\.crt", which does not exist/);
  await client.close();
});
