import { labContext, labDown, labUp, readLabState, type LabContext } from '../src/core/lab/lab';
import { defaultLabDir, defaultLabNet, isPrivateNet, ISOLATED_DEFAULT_NET } from '../src/core/lab/layout';
import { median, spread } from './stats';

const RUNS = 3;

/** Up from nothing and down again, RUNS times (after an untimed down); prints each figure and the median of each step of up. */
async function benchOne(label: string, ctx: LabContext): Promise<void> {
  const ups: number[] = [];
  const downs: number[] = [];
  const steps: Record<string, number[]> = {};
  await labDown(ctx);
  for (let i = 0; i < RUNS; i++) {
    let t = Date.now();
    await labUp(ctx);
    ups.push((Date.now() - t) / 1000);
    for (const [k, v] of Object.entries(readLabState(ctx.layout)?.steps ?? {})) (steps[k] ??= []).push(v);
    t = Date.now();
    await labDown(ctx);
    downs.push((Date.now() - t) / 1000);
  }
  console.log(`${label} up from nothing: ${spread(ups, 's', 2)}; goal < 10 s; ratio to goal ${(median(ups) / 10).toFixed(2)}`);
  console.log(`${label} up steps (median): ${Object.entries(steps).map(([k, v]) => `${k} ${median(v).toFixed(2)} s`).join(', ')}`);
  console.log(`${label} down (running lab to nothing left): ${spread(downs, 's', 2)}`);
}

/** Lab bring-up from nothing and tear-down; the goal for up is < 10 s once packages are installed. */
export async function benchLab(): Promise<void> {
  if (isPrivateNet(defaultLabNet())) console.log(`lab (loopback): not measured, PGPOOL_CLUSTER_LAB_NET=${defaultLabNet()} is not a loopback prefix`);
  else await benchOne('lab (loopback)', labContext(defaultLabDir(), undefined, undefined, false));
  if (process.getuid?.() !== 0) {
    console.log('lab (isolated): not measured, it needs root (network and mount namespaces)');
    return;
  }
  // Its own folder beside the loopback lab; the net of PGPOOL_CLUSTER_LAB_NET when private, else the default.
  const ctx = labContext(`${defaultLabDir().replace(/\/+$/, '')}-isolated-bench`, undefined, isPrivateNet(defaultLabNet()) ? defaultLabNet() : ISOLATED_DEFAULT_NET, true);
  try {
    await benchOne('lab (isolated)', ctx);
  } finally {
    await labDown(ctx);
  }
  // The watchdog lab (3 pgpool hosts, VIP): PGPOOL_CLUSTER_WD_LAB_DIR / PGPOOL_CLUSTER_WD_LAB_NET move it, as for its tests.
  const wd = labContext(process.env.PGPOOL_CLUSTER_WD_LAB_DIR ?? `${defaultLabDir().replace(/\/+$/, '')}-wd-bench`, undefined, process.env.PGPOOL_CLUSTER_WD_LAB_NET ?? '10.213.21', true, true);
  try {
    await benchOne('lab (isolated, watchdog)', wd);
  } finally {
    await labDown(wd);
  }
}
