import type { Command } from 'commander';

export function registerLabCommand(program: Command): void {
  program.command('lab').description('Bring a rehearsal cluster (3 PostgreSQL nodes, pgpool-II, sshd) up or down on loopback addresses.');
}
