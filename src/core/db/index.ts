export * from './types';
export * from './lsn';
export { PgSqlClient, type PgEndpoint } from './pgClient';
export { parsePgpass, findPgpassPassword, pgpassPath, readPgpass, type PgpassEntry } from './pgpass';
export * from './poolNodes';
export { queryNodeState, parseNodeState as parsePgNodeState, NODE_STATE_SQL, type PgNodeView, type ReplicationPeer, type WalReceiverInfo } from './nodeQueries';
export * from './pcp';
