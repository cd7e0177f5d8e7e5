import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Text of ~/.ssh/config, or undefined when absent/unreadable (OpenSSH ignores a missing file too). */
export async function readSshConfigText(file = path.join(os.homedir(), '.ssh', 'config')): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}
