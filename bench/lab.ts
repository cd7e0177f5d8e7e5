import { labContext, labDown, labUp } from '../src/core/lab/lab';

/** Lab bring-up from nothing and tear-down; the goal for up is < 10 s once packages are installed. */
export async function benchLab(): Promise<void> {
  const ctx = labContext();
  const ups: number[] = [];
  const downs: number[] = [];
  for (let i = 0; i < 2; i++) {
    let t = Date.now();
    await labDown(ctx);
    downs.push((Date.now() - t) / 1000);
    t = Date.now();
    await labUp(ctx);
    ups.push((Date.now() - t) / 1000);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  console.log(`lab up from nothing: ${ups.map((x) => x.toFixed(2)).join(', ')} s (median ${median(ups).toFixed(2)} s; goal < 10 s; ratio to goal ${(median(ups) / 10).toFixed(2)})`);
  console.log(`lab down: ${downs.map((x) => x.toFixed(2)).join(', ')} s`);
}
