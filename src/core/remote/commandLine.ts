/** Builds the exact command string sent to the remote shell; only shellQuote helpers touch values. */
import { shellCommand } from './shellQuote';
import type { RemoteCommand } from './types';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function buildCommandLine(command: RemoteCommand, sudoUser: string | undefined, env: Readonly<Record<string, string>> = {}): string {
  const envWords = Object.entries(env).map(([k, v]) => {
    if (!ENV_NAME.test(k)) throw new Error(`"${k}" is not a valid environment variable name.`);
    return `${k}=${v}`;
  });
  const prefix = [
    ...(sudoUser ? ['sudo', '-n', '-u', sudoUser, '--'] : []),
    ...(envWords.length ? ['env', ...envWords] : []),
  ];
  if ('script' in command) {
    return prefix.length ? shellCommand([...prefix, 'sh', '-c', command.script]) : command.script;
  }
  return shellCommand([...prefix, ...(command as readonly string[])]);
}
