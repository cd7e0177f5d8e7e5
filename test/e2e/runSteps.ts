import type { TierResults } from '../harness/results';
import { strictPreconditions } from '../harness/precondition';
import { saveLogs, screenshot } from './artifacts';
import type { E2EContext, Step } from './steps/step';

/** Runs the steps in order: screenshot after each; on failure a screenshot and the logs, and the rest skipped. */
export async function runSteps(ctx: E2EContext, steps: Step[]): Promise<TierResults> {
  const results: TierResults = { passed: 0, failed: 0, skipped: 0, failures: [], skips: [] };
  let broken: string | undefined;
  for (const [i, step] of steps.entries()) {
    const name = `${String(i + 1).padStart(2, '0')}-${step.name}`;
    const unmet = broken ? undefined : step.skipUnless?.(ctx);
    if (unmet && strictPreconditions()) {
      // Under CI a missing precondition (the lab is not up) is a failure, never a quiet skip.
      results.failed++;
      results.failures.push(`e2e: ${name}: precondition not met: ${unmet}`);
      console.log(`  FAIL ${name}: precondition not met: ${unmet}`);
      broken = name;
      continue;
    }
    const skip = broken ? `after the failure of ${broken}` : unmet;
    if (skip) {
      results.skipped++;
      results.skips?.push({ name: `e2e: ${name}`, reason: skip });
      console.log(`  skip ${name}: ${skip}`);
      continue;
    }
    const started = Date.now();
    try {
      await step.run(ctx);
      await screenshot(ctx.page, name);
      results.passed++;
      console.log(`  ok   ${name} (${Date.now() - started} ms)`);
    } catch (err) {
      await screenshot(ctx.page, `${name}-FAILED`);
      saveLogs(ctx.server.userDataDir, `${name}-FAILED`);
      const message = err instanceof Error ? err.message : String(err);
      results.failed++;
      results.failures.push(`e2e: ${name}: ${message.split('\n')[0] ?? ''}`);
      console.log(`  FAIL ${name} (${Date.now() - started} ms)\n${message}`);
      broken = name;
    }
  }
  return results;
}
