/** The starting cluster file lives in the core, shared with `pgpool-cluster init`. */
export { CLUSTER_FILE_TEMPLATE } from '../../core/inventory/clusterFileTemplate';
