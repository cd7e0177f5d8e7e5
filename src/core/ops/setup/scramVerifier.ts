/**
 * A SCRAM-SHA-256 verifier computed here, as psql's \password does, so `ALTER ROLE ... PASSWORD` never
 * carries the password itself (server logs and pg_stat_statements see only the verifier).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** A quoted SQL identifier. */
export const sqlIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
