// The panel's History: one cluster's timeline (or one node's), newest group last, with the one-sentence answers
// on top. Text goes in through textContent only; an event is named back to the extension by its id.
import type { HistoryEventView, HistoryUpdate } from '../src/shared/historyProtocol';
import { TAG } from './toolkit';

export interface HistoryHooks {
  onShowHistory(cluster: string, node?: string): void;
  onOpenEvent(cluster: string, id: number): void;
  onCloseHistory(cluster: string): void;
}

function h<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(label: string, title: string, onClick: () => void): HTMLElement {
  const b = document.createElement(TAG.button);
  b.setAttribute('appearance', 'secondary');
  b.textContent = label;
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

const clock = (iso: string): string => {
  const d = new Date(iso);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
};

function eventRow(cluster: string, e: HistoryEventView, hooks: HistoryHooks): HTMLElement {
  const row = h('li', `event ${e.severity}`);
  const time = h('span', 'time', `${clock(e.time)}${e.approximateTime ? '≈' : ''}`);
  const who = h('span', 'origin', e.node && e.node !== e.origin ? `${e.origin} → ${e.node}` : e.origin);
  const kind = h('span', 'kind', e.kind);
  const text = h('span', 'message', e.message);
  const link = h('a', 'where', e.where);
  link.href = '#';
  link.title = 'Open where this came from';
  link.addEventListener('click', (ev) => { ev.preventDefault(); hooks.onOpenEvent(cluster, e.id); });
  row.append(time, ' ', who, ' ', kind, ' ', text, ' ', link);
  return row;
}

/** The History block for a cluster's section; `update` undefined shows only the button that opens it. */
export function historySection(cluster: string, update: HistoryUpdate | undefined, hooks: HistoryHooks): HTMLElement {
  const box = h('div', 'history');
  const bar = h('div', 'history-bar');
  bar.append(h('h3', undefined, update?.node ? `History of ${update.node}` : 'History'));
  bar.append(button(update ? 'Read Again' : 'Show History', 'Read what is new in pgpool\'s and the servers\' logs', () => hooks.onShowHistory(cluster, update?.node)));
  if (update?.node) bar.append(button('Whole Cluster', `The history of all of ${cluster}`, () => hooks.onShowHistory(cluster)));
  if (update) bar.append(button('Close', 'Hide the history', () => hooks.onCloseHistory(cluster)));
  box.append(bar);
  if (!update) return box;
  if (update.reading) box.append(h('div', 'muted', 'Reading the logs…'));
  if (update.error) box.append(h('div', 'errors', update.error));
  if (update.explanations.length > 0) {
    const why = h('ul', 'explanations');
    for (const x of update.explanations) why.append(h('li', 'warning', x));
    box.append(why);
  }
  if (update.sources.length > 0) box.append(h('div', 'muted', `Read from ${update.sources.join('; ')}`));
  for (const p of update.problems) box.append(h('div', 'muted', `Not read: ${p}`));
  if (update.omitted > 0) box.append(h('div', 'muted', `${update.omitted} older events not shown (pgpool-cluster events --since shows them all).`));
  if (!update.reading && !update.error && update.events.length === 0) box.append(h('div', 'muted', 'No events yet.'));
  let list: HTMLElement | undefined;
  let group: string | undefined | null = null;
  for (const e of update.events) {
    if (list === undefined || e.group !== group) {
      group = e.group;
      const block = h('div', e.group ? 'event-group' : 'event-loose');
      if (e.group) block.append(h('div', 'group-title', e.group));
      list = h('ul', 'events');
      block.append(list);
      box.append(block);
    }
    list.append(eventRow(cluster, e, hooks));
  }
  return box;
}
