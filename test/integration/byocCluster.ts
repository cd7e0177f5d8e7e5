/**
 * "Bring your own cluster": turns the isolated lab's hosts into a cluster an administrator wrote by hand after
 * pgpool-II's documentation, not with this tool. Its own failover.sh, follow_primary.sh, recovery_1st_stage and
 * pgpool_remote_start (in the style of Debian's /usr/share/doc/pgpool2/examples/*.sample, written here); pgpool
 * started with `pgpool -f` on a pgpool.conf outside /etc/pgpool2; the scripts reach the other hosts with their
 * own `ssh -F` config and key (nothing in ~/.ssh's defaults); pcp tools only in /usr/sbin and PostgreSQL's
 * programs off sshd's PATH; ~postgres/.pgpass on the nodes and ~/.pcppass on the pgpool host only.
 * Everything is done over SSH as postgres, as that administrator would.
 */
import { spawnSync } from 'node:child_process';
import { shellCommand } from '../../src/core/remote/shellQuote';
import type { LabLayout } from '../../src/core/lab/layout';
import { sshArgs } from '../lab/labFixture';
import { waitUntil } from '../harness/wait';

export const PG_HOME = '/usr/lib/postgresql/15';
export const BYOC_DIR = '/var/lib/postgresql/pgpool';
export const BYOC_CONF = `${BYOC_DIR}/etc/pgpool.conf`;
export const BYOC_PCP = `${BYOC_DIR}/etc/pcp.conf`;
export const BYOC_HBA = `${BYOC_DIR}/etc/pool_hba.conf`;
export const BYOC_SSH_CONFIG = '/var/lib/postgresql/.ssh/cluster_config';
export const BYOC_LOG = `${BYOC_DIR}/log/pgpool.log`;
const BYOC_PID = `${BYOC_DIR}/run/pgpool.pid`;

/** Runs a shell command on a lab host as postgres (stdin optional); throws with stderr when it fails. */
export function onHost(layout: LabLayout, host: string, command: string, input?: string, timeoutMs = 60_000): string {
  const r = spawnSync('ssh', [...sshArgs(layout, 'postgres', host), command], { encoding: 'utf8', input: input ?? '', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`on ${host}: ${command}\nexit ${String(r.status)}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function writeOnHost(layout: LabLayout, host: string, path: string, content: string, mode: string): void {
  onHost(layout, host, shellCommand(['sh', '-c', 'mkdir -p "$(dirname "$0")" && cat > "$0" && chmod "$1" "$0"', path, mode]), content);
}

/** ssh_config of the postgres user's scripts: a key and known_hosts of their own, nothing from ~/.ssh's defaults. */
const SSH_CONFIG = `# Used by pgpool's scripts (ssh -F). Written by hand.
Host *
    User postgres
    Port 22
    IdentityFile ~/.ssh/id_cluster
    IdentitiesOnly yes
    UserKnownHostsFile ~/.ssh/known_hosts_cluster
    StrictHostKeyChecking yes
    BatchMode yes
    ConnectTimeout 5
`;

const FAILOVER = `#!/bin/bash
# failover.sh: promote the new main node when the primary fails.
# After the failover.sh.sample of pgpool-II 4.3; adapted by hand for this cluster.
# failover_command = '.../failover.sh %d %h %p %D %m %H %M %P %r %R %N %S'

set -o xtrace

FAILED_NODE_ID="$1"
FAILED_NODE_HOST="$2"
FAILED_NODE_PORT="$3"
FAILED_NODE_PGDATA="$4"
NEW_MAIN_NODE_ID="$5"
NEW_MAIN_NODE_HOST="$6"
OLD_MAIN_NODE_ID="$7"
OLD_PRIMARY_NODE_ID="$8"
NEW_MAIN_NODE_PORT="$9"
NEW_MAIN_NODE_PGDATA="\${10}"
OLD_PRIMARY_NODE_HOST="\${11}"
OLD_PRIMARY_NODE_PORT="\${12}"

PGHOME=${PG_HOME}
POSTGRESQL_STARTUP_USER=postgres
SSH_CONFIG=${BYOC_SSH_CONFIG}

echo failover.sh: start: failed_node_id=$FAILED_NODE_ID failed_host=$FAILED_NODE_HOST \\
    old_primary_node_id=$OLD_PRIMARY_NODE_ID new_main_node_id=$NEW_MAIN_NODE_ID new_main_host=$NEW_MAIN_NODE_HOST

## If there's no main node anymore, skip failover.
if [ $NEW_MAIN_NODE_ID -lt 0 ]; then
    echo failover.sh: All nodes are down. Skipping failover.
    exit 0
fi

## Test passwordless SSH
ssh -F $SSH_CONFIG -T \${POSTGRESQL_STARTUP_USER}@\${NEW_MAIN_NODE_HOST} ls /tmp > /dev/null
if [ $? -ne 0 ]; then
    echo failover.sh: passwordless SSH to \${POSTGRESQL_STARTUP_USER}@\${NEW_MAIN_NODE_HOST} failed.
    exit 1
fi

## If a standby node is down, skip failover.
if [ $OLD_PRIMARY_NODE_ID != "-1" -a $FAILED_NODE_ID != $OLD_PRIMARY_NODE_ID ]; then
    echo failover.sh: end: standby node is down. Skipping failover.
    exit 0
fi

## Promote the standby node (it may already be a primary: the operator promoted it).
echo failover.sh: primary node is down, promote new_main_node_id=$NEW_MAIN_NODE_ID on \${NEW_MAIN_NODE_HOST}.
ssh -F $SSH_CONFIG -T \${POSTGRESQL_STARTUP_USER}@\${NEW_MAIN_NODE_HOST} \\
    "[ ! -f \${NEW_MAIN_NODE_PGDATA}/standby.signal ] || \${PGHOME}/bin/pg_ctl -D \${NEW_MAIN_NODE_PGDATA} -w promote"
if [ $? -ne 0 ]; then
    echo failover.sh: ERROR: promote failed
    exit 1
fi

echo failover.sh: end: new_main_node_id=$NEW_MAIN_NODE_ID on \${NEW_MAIN_NODE_HOST} was successfully promoted to primary
exit 0
`;

const FOLLOW_PRIMARY = `#!/bin/bash
# follow_primary.sh: make a standby follow the new primary (pg_rewind, else pg_basebackup), then attach it.
# After the follow_primary.sh.sample of pgpool-II 4.3; adapted by hand for this cluster.
# follow_primary_command = '.../follow_primary.sh %d %h %p %D %m %H %M %P %r %R'

set -o xtrace

NODE_ID="$1"
NODE_HOST="$2"
NODE_PORT="$3"
NODE_PGDATA="$4"
NEW_PRIMARY_NODE_ID="$5"
NEW_PRIMARY_NODE_HOST="$6"
OLD_MAIN_NODE_ID="$7"
OLD_PRIMARY_NODE_ID="$8"
NEW_PRIMARY_NODE_PORT="$9"
NEW_PRIMARY_NODE_PGDATA="\${10}"

PGHOME=${PG_HOME}
REPLUSER=replicator
PCP_USER=pcpadmin
PGPOOL_PATH=/usr/sbin
PCP_HOST=$(hostname -I | awk '{print $1}')
PCP_PORT=9898
POSTGRESQL_STARTUP_USER=postgres
SSH_CONFIG=${BYOC_SSH_CONFIG}
APP_NAME=node\${NODE_ID}

echo follow_primary.sh: start: Standby node \${NODE_ID}

## Test passwordless SSH
ssh -F $SSH_CONFIG -T \${POSTGRESQL_STARTUP_USER}@\${NEW_PRIMARY_NODE_HOST} ls /tmp > /dev/null
if [ $? -ne 0 ]; then
    echo follow_primary.sh: passwordless SSH to \${POSTGRESQL_STARTUP_USER}@\${NEW_PRIMARY_NODE_HOST} failed.
    exit 1
fi

## Check the status of the standby
ssh -F $SSH_CONFIG -T \${POSTGRESQL_STARTUP_USER}@\${NODE_HOST} \${PGHOME}/bin/pg_ctl -w -D \${NODE_PGDATA} status > /dev/null 2>&1
if [ $? -ne 0 ]; then
    echo follow_primary.sh: node_id=\${NODE_ID} is not running. Skipping follow primary command
    exit 0
fi

echo follow_primary.sh: pg_rewind for node \${NODE_ID}
ssh -F $SSH_CONFIG -T \${POSTGRESQL_STARTUP_USER}@\${NODE_HOST} "
    set -o errexit
    \${PGHOME}/bin/pg_ctl -w -m f -D \${NODE_PGDATA} stop
    \${PGHOME}/bin/pg_rewind -D \${NODE_PGDATA} --source-server=\\"user=postgres host=\${NEW_PRIMARY_NODE_HOST} port=\${NEW_PRIMARY_NODE_PORT} dbname=postgres\\"
    rm -rf \${NODE_PGDATA}/pg_replslot/*
    cat >> \${NODE_PGDATA}/postgresql.auto.conf << EOT
primary_conninfo = 'host=\${NEW_PRIMARY_NODE_HOST} port=\${NEW_PRIMARY_NODE_PORT} user=\${REPLUSER} application_name=\${APP_NAME}'
recovery_target_timeline = 'latest'
EOT
    touch \${NODE_PGDATA}/standby.signal
"
if [ $? -ne 0 ]; then
    echo follow_primary.sh: pg_rewind failed, trying pg_basebackup
    ssh -F $SSH_CONFIG -T \${POSTGRESQL_STARTUP_USER}@\${NODE_HOST} "
        set -o errexit
        \${PGHOME}/bin/pg_ctl -w -m i -D \${NODE_PGDATA} stop || true
        rm -rf \${NODE_PGDATA}
        \${PGHOME}/bin/pg_basebackup -h \${NEW_PRIMARY_NODE_HOST} -U \${REPLUSER} -p \${NEW_PRIMARY_NODE_PORT} -D \${NODE_PGDATA} -X stream -w
        cat >> \${NODE_PGDATA}/postgresql.auto.conf << EOT
primary_conninfo = 'host=\${NEW_PRIMARY_NODE_HOST} port=\${NEW_PRIMARY_NODE_PORT} user=\${REPLUSER} application_name=\${APP_NAME}'
recovery_target_timeline = 'latest'
EOT
        touch \${NODE_PGDATA}/standby.signal
    "
    if [ $? -ne 0 ]; then
        echo follow_primary.sh: end: pg_basebackup failed
        exit 1
    fi
fi

ssh -F $SSH_CONFIG -T \${POSTGRESQL_STARTUP_USER}@\${NODE_HOST} \\
    \${PGHOME}/bin/pg_ctl -l /var/log/postgresql/postgresql-15-main.log -w -D \${NODE_PGDATA} start
if [ $? -ne 0 ]; then
    echo follow_primary.sh: end: follow primary command failed to start node \${NODE_ID}
    exit 1
fi

## Attach the node (the pcp password comes from ~/.pcppass)
\${PGPOOL_PATH}/pcp_attach_node -w -h \${PCP_HOST} -U \${PCP_USER} -p \${PCP_PORT} -n \${NODE_ID}
if [ $? -ne 0 ]; then
    echo follow_primary.sh: end: pcp_attach_node failed
    exit 1
fi
echo follow_primary.sh: end: follow primary command is completed successfully
exit 0
`;

const RECOVERY_1ST_STAGE = `#!/bin/bash
# recovery_1st_stage: online recovery of a standby with pg_basebackup from the primary (runs on the primary).
# After the recovery_1st_stage.sample of pgpool-II 4.3; adapted by hand for this cluster.

set -o xtrace

PRIMARY_NODE_PGDATA="$1"
DEST_NODE_HOST="$2"
DEST_NODE_PGDATA="$3"
PRIMARY_NODE_PORT="$4"
DEST_NODE_ID="$5"
DEST_NODE_PORT="$6"
PRIMARY_NODE_HOST="$7"

PGHOME=${PG_HOME}
REPLUSER=replicator
POSTGRESQL_STARTUP_USER=postgres
SSH_CONFIG=${BYOC_SSH_CONFIG}

echo recovery_1st_stage: start: pg_basebackup for node $DEST_NODE_ID

ssh -F $SSH_CONFIG -T \${POSTGRESQL_STARTUP_USER}@$DEST_NODE_HOST "
    set -o errexit
    rm -rf $DEST_NODE_PGDATA
    \${PGHOME}/bin/pg_basebackup -h $PRIMARY_NODE_HOST -U $REPLUSER -p $PRIMARY_NODE_PORT -D $DEST_NODE_PGDATA -X stream -w
    cat >> $DEST_NODE_PGDATA/postgresql.auto.conf << EOT
primary_conninfo = 'host=$PRIMARY_NODE_HOST port=$PRIMARY_NODE_PORT user=$REPLUSER application_name=node$DEST_NODE_ID'
recovery_target_timeline = 'latest'
EOT
    touch $DEST_NODE_PGDATA/standby.signal
"
if [ $? -ne 0 ]; then
    echo recovery_1st_stage: end: pg_basebackup failed. online recovery failed
    exit 1
fi
echo recovery_1st_stage: end: recovery_1st_stage is completed successfully
exit 0
`;

const REMOTE_START = `#!/bin/bash
# pgpool_remote_start: start PostgreSQL on the recovered node. After the pgpool_remote_start.sample.
set -o xtrace
DEST_NODE_HOST="$1"
DEST_NODE_PGDATA="$2"
PGHOME=${PG_HOME}
SSH_CONFIG=${BYOC_SSH_CONFIG}
ssh -F $SSH_CONFIG -T postgres@$DEST_NODE_HOST $PGHOME/bin/pg_ctl -l /var/log/postgresql/postgresql-15-main.log -w -D $DEST_NODE_PGDATA start
`;

/** pgpool.conf as an administrator keeps it: comments, settings this tool does not manage (SSL, watchdog, cache). */
export function byocPgpoolConf(layout: LabLayout): string {
  const backends = layout.nodes.map((n) => `backend_hostname${n.id} = '${n.address}'
backend_port${n.id} = 5432
backend_weight${n.id} = 1
backend_data_directory${n.id} = '${n.dataDir}'
backend_flag${n.id} = 'ALLOW_TO_FAILOVER'
backend_application_name${n.id} = '${n.name}'
`).join('\n');
  return `# pgpool-II configuration of the orders cluster
# Maintained by hand: see the runbook before changing anything below.

#------------------------------------------------------------------------------
# BACKEND CLUSTERING MODE
#------------------------------------------------------------------------------
backend_clustering_mode = 'streaming_replication'

#------------------------------------------------------------------------------
# CONNECTIONS
#------------------------------------------------------------------------------
listen_addresses = '${layout.pgpool.address}'   # the service address
port = 9999
socket_dir = '/var/run/postgresql'
pcp_listen_addresses = '${layout.pgpool.address}'
pcp_port = 9898
pcp_socket_dir = '/var/run/postgresql'

# - Backend Connection Settings -
${backends}
# - Authentication -
enable_pool_hba = on
pool_passwd = '/etc/pgpool2/pool_passwd'   # shared with the packaged configuration
allow_clear_text_frontend_auth = off

# - SSL Connections -
ssl = off
#ssl_cert = 'server.crt'
ssl_ciphers = 'HIGH:MEDIUM:+3DES:!aNULL'

#------------------------------------------------------------------------------
# POOLS
#------------------------------------------------------------------------------
num_init_children = 16
max_pool = 2
child_life_time = 300

#------------------------------------------------------------------------------
# LOGS
#------------------------------------------------------------------------------
log_destination = 'stderr'
log_line_prefix = '%m: %a pid %p: '
log_min_messages = warning

#------------------------------------------------------------------------------
# FILE LOCATIONS
#------------------------------------------------------------------------------
pid_file_name = '${BYOC_PID}'
logdir = '${BYOC_DIR}/run'

#------------------------------------------------------------------------------
# LOAD BALANCING MODE
#------------------------------------------------------------------------------
load_balance_mode = on

#------------------------------------------------------------------------------
# STREAMING REPLICATION
#------------------------------------------------------------------------------
sr_check_period = 2
sr_check_user = 'pgpool'
sr_check_password = ''
sr_check_database = 'postgres'

#------------------------------------------------------------------------------
# HEALTH CHECK
#------------------------------------------------------------------------------
health_check_period = 2
health_check_timeout = 5
health_check_user = 'pgpool'
health_check_password = ''
health_check_max_retries = 1
health_check_retry_delay = 1

#------------------------------------------------------------------------------
# FAILOVER AND FAILBACK
#------------------------------------------------------------------------------
failover_command = '${BYOC_DIR}/scripts/failover.sh %d %h %p %D %m %H %M %P %r %R %N %S'
follow_primary_command = '${BYOC_DIR}/scripts/follow_primary.sh %d %h %p %D %m %H %M %P %r %R'
failover_on_backend_error = on
search_primary_node_timeout = 10

#------------------------------------------------------------------------------
# ONLINE RECOVERY
#------------------------------------------------------------------------------
recovery_user = 'postgres'
recovery_password = ''
recovery_1st_stage_command = 'recovery_1st_stage'
recovery_timeout = 90

#------------------------------------------------------------------------------
# WATCHDOG (one pgpool for now; kept for the second one)
#------------------------------------------------------------------------------
use_watchdog = off
wd_ipc_socket_dir = '/var/run/postgresql'

#------------------------------------------------------------------------------
# IN MEMORY QUERY MEMORY CACHE
#------------------------------------------------------------------------------
memory_cache_enabled = off
memqcache_method = 'shmem'
`;
}

const POOL_HBA = (subnet: string): string => `# pool_hba.conf of the orders cluster (by hand)
# TYPE  DATABASE    USER        ADDRESS          METHOD
local   all         all                          trust
host    all         all         ${subnet}    scram-sha-256
`;

/** Stops the lab's own pgpool and starts the hand-written one; returns the machine's view of nothing (all over SSH). */
export async function buildByocCluster(layout: LabLayout): Promise<void> {
  const p = layout.pgpool.address;
  const hosts = [p, ...layout.nodes.map((n) => n.address)];
  // The scripts' own key and known_hosts; ~/.ssh's default names are gone, so only `ssh -F` works host to host.
  for (const h of hosts) {
    onHost(layout, h, 'set -e; cd ~/.ssh; mv id_ed25519 id_cluster; mv id_ed25519.pub id_cluster.pub; mv known_hosts known_hosts_cluster');
    writeOnHost(layout, h, BYOC_SSH_CONFIG, SSH_CONFIG, '600');
  }
  // The scripts pgpool runs on the primary, in every data directory (any node may become the primary).
  for (const n of layout.nodes) {
    writeOnHost(layout, n.address, `${n.dataDir}/recovery_1st_stage`, RECOVERY_1ST_STAGE, '755');
    writeOnHost(layout, n.address, `${n.dataDir}/pgpool_remote_start`, REMOTE_START, '755');
  }
  // The packaged pgpool (from /etc/pgpool2) stops; this cluster's runs from its own folder.
  onHost(layout, p, 'pid=$(tr -d "\\000" < /var/run/postgresql/pgpool.pid); kill -INT "$pid"; for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done; exit 1');
  writeOnHost(layout, p, BYOC_CONF, byocPgpoolConf(layout), '640');
  writeOnHost(layout, p, BYOC_HBA, POOL_HBA(layout.isolation?.subnet ?? '127.0.0.0/8'), '640');
  onHost(layout, p, shellCommand(['sh', '-c', 'cp /etc/pgpool2/pcp.conf "$0" && chmod 600 "$0"', BYOC_PCP]));
  writeOnHost(layout, p, `${BYOC_DIR}/scripts/failover.sh`, FAILOVER, '755');
  writeOnHost(layout, p, `${BYOC_DIR}/scripts/follow_primary.sh`, FOLLOW_PRIMARY, '755');
  onHost(layout, p, shellCommand(['mkdir', '-p', `${BYOC_DIR}/run`, `${BYOC_DIR}/log`]));
  onHost(layout, p, shellCommand(['sh', '-c', 'setsid -f /usr/sbin/pgpool -n -D -f "$0" -F "$1" -a "$2" >>"$3" 2>&1 </dev/null', BYOC_CONF, BYOC_PCP, BYOC_HBA, BYOC_LOG]));
  await waitUntil('the hand-written pgpool to answer pcp', () => {
    try {
      return onHost(layout, p, '/usr/sbin/pcp_node_count -w -h "$(hostname -I | cut -d" " -f1)" -p 9898 -U pcpadmin').trim() === String(layout.nodes.length);
    } catch {
      return false;
    }
  }, 20_000, 250);
}

/** The last lines of the hand-written pgpool's log (its scripts write there), for failure messages. */
export function byocPgpoolLog(layout: LabLayout, lines = 60): string {
  try {
    return onHost(layout, layout.pgpool.address, shellCommand(['tail', '-n', String(lines), BYOC_LOG]));
  } catch (err) {
    return (err as Error).message;
  }
}
