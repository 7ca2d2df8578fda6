// Tiny DOM helpers: build elements, and update tables in place (rows reused, so that a focused
// link keeps its focus while the figures change every second).
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A cell's content: text, or a link. */
export type Cell = string | { text: string; href: string } | Node;

/** Sets the table body's rows to `rows`, reusing the rows and cells already there. */
export function updateRows(tbody: HTMLTableSectionElement, rows: Cell[][], empty = 'none'): void {
  if (rows.length === 0) {
    fill(tbody, h('tr', {}, h('td', { colspan: tbody.closest('table')?.tHead?.rows[0]?.cells.length ?? 1, class: 'empty' }, empty)));
    return;
  }
  if (tbody.querySelector('td.empty')) tbody.replaceChildren();
  while (tbody.rows.length > rows.length) tbody.deleteRow(-1);
  rows.forEach((cells, i) => {
    const tr = tbody.rows[i] ?? tbody.insertRow();
    while (tr.cells.length > cells.length) tr.deleteCell(-1);
    cells.forEach((cell, j) => setCell(tr.cells[j] ?? tr.insertCell(), cell));
  });
}

function setCell(td: HTMLTableCellElement, cell: Cell): void {
  if (typeof cell === 'string') {
    if (td.firstElementChild || td.textContent !== cell) td.textContent = cell;
  } else if (cell instanceof Node) {
    if (td.firstChild !== cell || td.childNodes.length !== 1) td.replaceChildren(cell);
  } else {
    let a = td.firstElementChild as HTMLAnchorElement | null;
    if (!(a instanceof HTMLAnchorElement) || td.childNodes.length !== 1) {
      a = h('a');
      td.replaceChildren(a);
    }
    if (a.getAttribute('href') !== cell.href) a.setAttribute('href', cell.href);
    if (a.textContent !== cell.text) a.textContent = cell.text;
  }
}

/** A table with a caption and header, and its body to fill. */
export function table(caption: string, headers: string[], attrs: Attrs = {}): { table: HTMLTableElement; body: HTMLTableSectionElement } {
  const body = h('tbody');
  const t = h('table', attrs, h('caption', {}, caption), h('thead', {}, h('tr', {}, ...headers.map((name) => h('th', { scope: 'col' }, name)))), body);
  return { table: t, body };
}
