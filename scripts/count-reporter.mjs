// node:test reporter that counts leaf tests; scripts/test.mjs adds the tiers up into one closing line.
// Each failure keeps the first lines of its error, so the closing summary says why, not only which.

/** The failure's own message (node:test wraps it as `cause`), at most 12 lines, indented under the test's name. */
function why(error) {
  const inner = error?.cause ?? error;
  const text = inner instanceof Error ? inner.message : inner === undefined ? '' : String(inner);
  if (!text) return '';
  const lines = text.split('\n').filter((l) => l.trim() !== '').slice(0, 12).map((l) => `    ${l.slice(0, 300)}`);
  return `\n${lines.join('\n')}`;
}
export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [], skips: [] };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details?.type === 'suite') continue;
    if (event.data.skip || event.data.todo) {
      counts.skipped++;
      // t.skip('reason') / { skip: 'reason' } carry a string; a bare skip carries `true`: no reason given.
      const reason = typeof event.data.skip === 'string' ? event.data.skip : typeof event.data.todo === 'string' ? `todo: ${event.data.todo}` : undefined;
      counts.skips.push({ name: `${event.data.file ?? ''} > ${event.data.name}`, ...(reason ? { reason } : {}) });
    }
    else if (event.type === 'test:pass') counts.passed++;
    else {
      counts.failed++;
      counts.failures.push(`${event.data.file ?? ''} > ${event.data.name}${why(event.data.details?.error)}`);
    }
  }
  yield JSON.stringify(counts);
}
