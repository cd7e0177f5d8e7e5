/** The texts behind open plan documents: at most `capacity`, oldest dropped first, and dropped when closed. Pure. */
export class PlanStore {
  private readonly texts = new Map<string, string>();
  private counter = 0;

  constructor(private readonly capacity = 20) {}

  /** Stores a text under a new path `/<name>-<n><extension>` and returns the path. */
  add(name: string, text: string, extension = '.plan'): string {
    const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80) || 'plan';
    const path = `/${safe}-${++this.counter}${extension}`;
    this.texts.set(path, text);
    while (this.texts.size > this.capacity) {
      const oldest = this.texts.keys().next().value;
      if (oldest === undefined) break;
      this.texts.delete(oldest);
    }
    return path;
  }

  get(path: string): string | undefined {
    return this.texts.get(path);
  }

  delete(path: string): void {
    this.texts.delete(path);
  }

  get size(): number {
    return this.texts.size;
  }
}
