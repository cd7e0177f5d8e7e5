import type { Page } from 'playwright-core';
import type { CodeServer } from '../../harness/codeServer';
import type { TestWorkspace } from '../../harness/workspace';

export interface E2EContext {
  page: Page;
  server: CodeServer;
  workspace: TestWorkspace;
}

/** One thing a user does and sees; the runner screenshots after it, and on failure. */
export interface Step {
  name: string;
  /** A reason to skip (e.g. the lab is not up), checked before running. */
  skipUnless?: (ctx: E2EContext) => string | undefined;
  run(ctx: E2EContext): Promise<void>;
}
