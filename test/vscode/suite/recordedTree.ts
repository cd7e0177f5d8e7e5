// A cluster tree over a cluster file in a scratch folder, for tests that set each entry's status from recorded
// answers: the model may connect nowhere (a refresh the tree asks for is refused with a reason).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activatedExtension } from './extension';
import { ClusterModel } from '../../../src/extension/tree/clusterModel';
import { ClusterTreeProvider } from '../../../src/extension/tree/clusterTreeProvider';

export interface RecordedTree {
  readonly model: ClusterModel;
  readonly provider: ClusterTreeProvider;
  dispose(): void;
}

export async function recordedTree(prefix: string, clusterFile: string): Promise<RecordedTree> {
  await activatedExtension();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'pgpool-cluster.yaml');
  writeFileSync(file, clusterFile);
  const model = new ClusterModel({
    discoverFiles: () => Promise.resolve([file]), hostKeyPolicy: { mode: 'strict' },
    mayConnect: () => Promise.resolve('recorded status: this test connects nowhere'),
  });
  const provider = new ClusterTreeProvider(model);
  await model.reload();
  return {
    model, provider,
    dispose: () => { provider.dispose(); model.dispose(); rmSync(dir, { recursive: true, force: true }); },
  };
}
