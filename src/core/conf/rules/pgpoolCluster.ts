/** Settings that load fine but leave the cluster unable to do its job. */
import { compareRelease } from '../catalog/pgpool';
import type { RuleContext } from '../context';
import type { ConfEntry } from '../parser';
import type { PgpoolModel } from '../pgpoolModel';
import { range, type Range } from '../types';

function at(model: PgpoolModel, ...names: string[]): Range {
  for (const n of names) {
    const e = model.last.get(n);
    if (e) return e.nameRange;
  }
  // Nothing named it: point at the first setting rather than at nowhere.
  return model.settings[0]?.entry.nameRange ?? range(0, 0, 0);
}

function isSet(model: PgpoolModel, name: string): boolean {
  return (model.written(name) ?? '').trim() !== '';
}

/** Checked on pgpool-II 4.3.5: FATAL "invalid watchdog configuration", DETAIL "heartbeat_hostnameN is not defined". */
function checkHeartbeats(ctx: RuleContext, model: PgpoolModel): void {
  if (compareRelease(ctx.pgpool, '4.2') < 0) return;
  for (const s of model.settings) {
    const m = s.entry.name.startsWith('heartbeat_port') ? /^heartbeat_port(\d+)$/.exec(s.entry.name) : null;
    if (!m || m[1] === '0' || isSet(model, `heartbeat_hostname${m[1]}`)) continue;
    ctx.report({ range: s.entry.nameRange, severity: 'error', code: 'pgpool/heartbeat-without-hostname',
      message: `${s.entry.name} is set but heartbeat_hostname${m[1]} is not: pgpool-II refuses to start ("invalid watchdog configuration: heartbeat_hostname${m[1]} is not defined").` });
  }
}

export function checkPgpoolCluster(ctx: RuleContext, model: PgpoolModel): void {
  checkHeartbeats(ctx, model);
  const backends = model.usedBackends();
  const indexes = backends.map((b) => b.index);
  const sr = model.isStreamingReplication();

  // Health checks off while an automatic failover is configured.
  if (isSet(model, 'failover_command') && backends.length > 0) {
    const anyOn = indexes.some((i) => (model.nodeNumber('health_check_period', i) ?? 0) > 0) ||
      (indexes.length === 0 && (model.number('health_check_period') ?? 0) > 0);
    if (!anyOn) {
      const hcp = model.last.get('health_check_period');
      ctx.report({ range: hcp ? hcp.valueRange : at(model, 'failover_command'), severity: 'warning', code: 'pgpool/failover-without-health-check',
        message: `failover_command is set but health_check_period is ${hcp ? hcp.value : 'unset (0)'}: health checks are off, so a dead primary is noticed only when a client connection to it fails (failover_on_backend_error). A quiet cluster never fails over. Set health_check_period (e.g. 10).`,
        ...(hcp ? { fixes: [{ title: 'Set health_check_period = 10', edits: [{ range: hcp.valueRange, newText: '10' }] }] } : {}) });
    }
  }

  const hcOn = indexes.some((i) => (model.nodeNumber('health_check_period', i) ?? 0) > 0);
  if (hcOn) {
    const users = indexes.map((i) => model.nodeString('health_check_user', i) ?? '');
    if (users.some((u) => u === '' || u === 'nobody')) {
      ctx.report({ range: at(model, 'health_check_user', 'health_check_period'), severity: 'warning', code: 'pgpool/missing-health-check-user',
        message: 'Health checks are on but health_check_user is empty or "nobody": every check fails to log in and pgpool degenerates healthy nodes. Set a real user.' });
    }
  }
  if (sr && backends.length > 1 && (model.number('sr_check_period') ?? 0) > 0) {
    const u = model.effective('sr_check_user') ?? '';
    if (u === '' || u === 'nobody') {
      ctx.report({ range: at(model, 'sr_check_user', 'sr_check_period', 'backend_clustering_mode', 'master_slave_mode'), severity: 'warning', code: 'pgpool/missing-sr-check-user',
        message: `Streaming replication check is on (sr_check_period ${model.effective('sr_check_period') ?? ''}) but sr_check_user is ${u === '' ? 'empty' : '"nobody"'}: pgpool cannot find the primary or measure replication delay.` });
    }
  }

  // Online recovery needs a superuser and every backend's data directory (config_post_processor).
  for (const cmd of ['recovery_1st_stage_command', 'recovery_2nd_stage_command']) {
    if (!isSet(model, cmd)) continue;
    const u = model.effective('recovery_user') ?? '';
    if (u === '' || u === 'nobody') {
      ctx.report({ range: at(model, 'recovery_user', cmd), severity: 'warning', code: 'pgpool/recovery-without-user',
        message: `${cmd} is set but recovery_user is ${u === '' ? 'empty' : '"nobody"'}: pcp_recovery_node needs a superuser to call pgpool_recovery() on the primary.` });
    }
    for (const b of backends) {
      if ((model.written(`backend_data_directory${b.index}`) ?? '').trim() !== '') continue;
      ctx.report({ range: (b.hostname ?? b.port as ConfEntry).nameRange, severity: 'error', code: 'pgpool/recovery-missing-data-directory',
        message: `${cmd} is set, so pgpool requires backend_data_directory${b.index} for backend ${b.index}; without it pgpool refuses the configuration.` });
    }
    break;
  }

  if (model.bool('load_balance_mode') && backends.length === 1 && model.last.has('load_balance_mode')) {
    ctx.report({ range: at(model, 'load_balance_mode'), severity: 'information', code: 'pgpool/load-balance-single-backend',
      message: 'load_balance_mode is on but only one backend is configured: there is nothing to balance across.' });
  }

  if (model.bool('use_watchdog')) {
    if (compareRelease(ctx.pgpool, '4.2') >= 0) {
      ctx.report({ range: at(model, 'use_watchdog'), severity: 'information', code: 'pgpool/watchdog-node-id-file',
        message: 'With use_watchdog on (pgpool-II 4.2+), each pgpool host needs a pgpool_node_id file next to pgpool.conf holding its index in hostnameN; pgpool refuses to start without it.' });
      const hosts = model.settings.filter((s) => s.resolved?.base === 'hostname' && s.resolved.index !== undefined);
      for (const h of hosts) {
        const i = h.resolved?.index ?? 0;
        if (model.written(`wd_port${i}`) === undefined) {
          ctx.report({ range: h.entry.nameRange, severity: 'warning', code: 'pgpool/watchdog-missing-port',
            message: `hostname${i} has no wd_port${i}: the watchdog node ${i} cannot be reached (pgpool requires wd_portN for the local node).` });
        }
      }
    }
  }

  if (compareRelease(ctx.pgpool, '4.2') >= 0 && model.bool('replication_mode') && model.bool('failover_when_quorum_exists')) {
    ctx.report({ range: at(model, 'replication_mode'), severity: 'error', code: 'pgpool/replication-mode-quorum',
      message: `replication_mode = on together with failover_when_quorum_exists = on (the default since 4.3) is rejected by pgpool-II ${ctx.pgpool}. Remove replication_mode (use backend_clustering_mode) or turn failover_when_quorum_exists off.` });
  }

  if (model.catalog.has('process_management_mode') && (model.effective('process_management_mode') ?? '').toLowerCase() === 'dynamic') {
    const min = model.number('min_spare_children') ?? 0;
    const max = model.number('max_spare_children') ?? 0;
    const children = model.number('num_init_children') ?? 0;
    if (!(min < max && max <= children)) {
      ctx.report({ range: at(model, 'min_spare_children', 'max_spare_children', 'process_management_mode'), severity: 'error', code: 'pgpool/spare-children',
        message: `process_management_mode = dynamic needs min_spare_children < max_spare_children <= num_init_children (now ${min}, ${max}, ${children}); pgpool rejects the configuration.` });
    }
  }
}
