/** Marks the editor-promote bench's extension-host side (editorHost.ts) records and its bench process (editorPromote.ts) reads. */

/** The plan's confirmation answered, once the plan document is shown. */
export const CONFIRMED = 'confirmation answered (the plan document shown)';
