export * from './model';
export { mergeClusterStatus, health, matchReplicationPeer, type MergeInput, type NodeProbe } from './merge';
export { StatusCollector, type StatusCollectorOptions } from './collector';
