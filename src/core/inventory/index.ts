export * from './model';
export { parseClusterFile, type ParseOptions } from './parseClusterFile';
export { loadClusterFile, resolveClusterFilePath, selectClusters, DEFAULT_CLUSTER_FILE, type LoadResult } from './load';
export { importFromPgpoolConf, importedYaml, pgpoolHostFromConf, scanConfLines, toYaml, withProbedVersions, type ImportOptions, type ImportResult } from './importPgpoolConf';
