/** Typed reading of YAML AST nodes that records errors with line and column instead of throwing. */
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import type { InventoryError } from './model';

export class YamlReader {
  readonly errors: InventoryError[] = [];
  readonly warnings: InventoryError[] = [];

  constructor(private readonly lines: LineCounter) {}

  at(node: Node | null | undefined, path: string, message: string, severity: 'error' | 'warning' = 'error'): void {
    const offset = node?.range?.[0] ?? 0;
    const pos = this.lines.linePos(offset);
    const entry = { message, path, line: Math.max(pos.line, 1), column: Math.max(pos.col, 1) };
    (severity === 'error' ? this.errors : this.warnings).push(entry);
  }

  /** Returns the map's entries by key, reporting unknown keys and keys that would hold secrets. */
  map(node: unknown, path: string, allowed: readonly string[]): Map<string, { key: Node; value: Node | null }> | undefined {
    if (!isMap(node)) {
      this.at(node as Node, path, `${path || 'The file'} must be a mapping (key: value lines).`);
      return undefined;
    }
    const out = new Map<string, { key: Node; value: Node | null }>();
    for (const pair of (node as YAMLMap<unknown, unknown>).items as Pair<unknown, unknown>[]) {
      const keyNode = pair.key as Node;
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      const keyPath = path ? `${path}.${key}` : key;
      if (/pass(word|phrase)|^secret$|^token$/i.test(key)) {
        this.at(keyNode, keyPath, `"${key}" looks like a secret; the cluster file never holds secrets. ` +
          'Remove it: use ssh-agent or an identity file for SSH, a .pgpass file (database.passfile) for PostgreSQL, ' +
          'a .pcppass file (pcpPassFile) for pcp; the editor asks for passphrases and keeps them in its secret storage.');
        continue;
      }
      if (!allowed.includes(key)) {
        this.at(keyNode, keyPath, `Unknown key "${key}" in ${path || 'the top level'}; expected one of: ${allowed.join(', ')}.`);
        continue;
      }
      if (out.has(key)) {
        this.at(keyNode, keyPath, `Duplicate key "${key}".`);
        continue;
      }
      out.set(key, { key: keyNode, value: (pair.value as Node | null) ?? null });
    }
    return out;
  }

  seq(node: Node | null | undefined, path: string): Node[] | undefined {
    if (!isSeq(node)) {
      this.at(node, path, `${path} must be a list (lines starting with "- ").`);
      return undefined;
    }
    return (node as YAMLSeq<Node>).items;
  }

  /**
   * A text value. A plain number or boolean is refused rather than turned into text: YAML has already changed it
   * (`4.10` is the number 4.1, `0x1F` is 31), so the text the user wrote is gone from the value.
   */
  string(node: Node | null | undefined, path: string): string | undefined {
    if (!isScalar(node) || node.value === null || node.value === undefined || typeof node.value === 'object') {
      this.at(node, path, `${path} must be a text value.`);
      return undefined;
    }
    if (typeof node.value !== 'string') {
      const written = node.source ?? String(node.value);
      this.at(node, path, `${path} must be text, but YAML reads ${written} as a ${typeof node.value === 'boolean' ? 'true/false value' : 'number'}: write it in quotes ("${written}").`);
      return undefined;
    }
    return this.nonEmpty(node, node.value, path);
  }

  /** A version: text, or a plain number taken as written in the file (`4.10` stays "4.10", not 4.1). */
  versionText(node: Node | null | undefined, path: string): string | undefined {
    if (isScalar(node) && typeof node.value === 'number' && typeof node.source === 'string') return this.nonEmpty(node, node.source, path);
    return this.string(node, path);
  }

  private nonEmpty(node: Node, value: string, path: string): string | undefined {
    const s = value.trim();
    if (s === '') {
      this.at(node, path, `${path} must not be empty.`);
      return undefined;
    }
    return s;
  }

  integer(node: Node | null | undefined, path: string, min: number, max: number): number | undefined {
    const v = isScalar(node) ? node.value : undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      this.at(node, path, `${path} must be a whole number from ${min} to ${max}.`);
      return undefined;
    }
    return n;
  }

  boolean(node: Node | null | undefined, path: string): boolean | undefined {
    if (!isScalar(node) || typeof node.value !== 'boolean') {
      this.at(node, path, `${path} must be true or false.`);
      return undefined;
    }
    return node.value;
  }
}
