export * from './types';
export * from './profiles';
export * from './version';
export { confString, confLine } from './confValues';
export { generatePgpoolConf, failoverPlaceholders, pgpoolCommandProgram, pgpoolCommandWord } from './generatePgpoolConf';
export {
  generateScripts, CLEAN_STOP_MARKER, FAILOVER_MAX_LAG_BYTES, FAILOVER_TARGET_FILE, FAILOVER_TARGET_MAX_AGE_S, TARGET_FILE_MARKER, failoverTargetFileOf, failoverTargetPath,
} from './scripts';
export { FOLLOW_FENCE_MARKER } from './followPrimary';
export { generatePcpConf, passFileLine, generatePoolHba } from './authFiles';
export { defaultVipCommands, delegateIpName, escalationScript, maskSecretParams, nodeIdFile, SECRET_PARAMS, usesNodeIdFile, watchdogLines, worstCaseLeaderLossSeconds, worstCaseVipMoveSeconds } from './watchdog';
export type { VipCommands, WatchdogNode, WatchdogSpec } from './watchdog';
