/**
 * The core words its refusals and advice for a terminal ("pgpool-cluster recover node1 --method rewind",
 * "--fence"). In the editor the same advice names the commands the user can click. Pure; unit-tested.
 */
const COMMAND_TITLES: Readonly<Record<string, string>> = {
  promote: 'Promote Node',
  switchover: 'Switch Over to Node',
  recover: 'Recover Node',
  attach: 'Attach Node in pgpool',
  detach: 'Detach Node from pgpool',
  check: 'Check Cluster',
  'configure-pgpool': 'Configure pgpool',
  'setup-replication': 'Set Up Streaming Replication',
  'setup-ssh-trust': 'Set Up SSH Trust',
};

const METHOD_WORDS: Readonly<Record<string, string>> = {
  rewind: 'the pg_rewind method', basebackup: 'the pg_basebackup method', copy: 'the backup API + rsync method',
  pcp: 'the pcp_recovery_node method', restart: 'the "start as a standby" method',
};

export function editorWords(text: string): string {
  return text
    // "pgpool-cluster recover node1 --method rewind" / "recover node1" / "pgpool-cluster check"
    .replace(/"(?:pgpool-cluster )?([a-z-]+)(?: ([^"\s]+))?((?: --[a-z-]+(?: [^"\s-][^"\s]*)?)*)"/g, (whole, cmd: string, node: string | undefined, flags: string) => {
      const title = COMMAND_TITLES[cmd];
      if (!title) return whole;
      const method = /--method (\w+)/.exec(flags)?.[1];
      const withMethod = method && METHOD_WORDS[method] ? ` with ${METHOD_WORDS[method]}` : '';
      return `"${title}"${node ? ` on ${node}` : ''}${withMethod}`;
    })
    .replace(/ \(--fence\)/g, '')
    .replace(/--fence\b/g, 'fencing (stop the primary first)')
    .replace(/ or use --method (\w+)/g, (_w, m: string) => ` or choose ${METHOD_WORDS[m] ?? m}`)
    .replace(/--method (\w+)/g, (_w, m: string) => METHOD_WORDS[m] ?? m);
}
