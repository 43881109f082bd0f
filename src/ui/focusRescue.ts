// Browser glue: keyboard focus is never dropped on <body>. Many controls remove themselves when
// used (a Dismiss, a confirmation's Cancel, Stop listening, Tokenize again); the browser then moves
// focus to <body> and a keyboard user starts again from the top of the page. Here, once the element
// that had focus has left the page, focus goes to the first control in its nearest ancestor that is
// still there (the section it belonged to), or to that ancestor itself.

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

/** `el` and its ancestors, innermost first, up to (not including) <body>. */
function chainOf(el: Element): Element[] {
  const out: Element[] = [];
  for (let e: Element | null = el; e && e !== document.body; e = e.parentElement) out.push(e);
  return out;
}

/** Shown, in the tab order, and not hidden from assistive tech (a slider beside its number box is none of these). */
function usable(el: HTMLElement): boolean {
  const shown = el.offsetParent !== null || getComputedStyle(el).position === 'fixed';
  return shown && el.tabIndex >= 0 && !el.closest('[aria-hidden="true"], [inert]');
}

/** Where focus should go once `chain[0]` is gone: the first visible control in the nearest ancestor still on the page. */
export function rescueTarget(chain: Element[]): HTMLElement | null {
  for (const a of chain) {
    if (!a.isConnected) continue;
    const inside = [...a.querySelectorAll<HTMLElement>(FOCUSABLE)].find(usable);
    if (inside) return inside;
    if (a instanceof HTMLElement && a.matches(FOCUSABLE) && usable(a)) return a;
  }
  return null;
}

/** Installs the rescue on `doc` (once, at start); returns its removal. */
export function installFocusRescue(doc: Document = document): () => void {
  let chain: Element[] = [];
  const onFocusIn = (ev: FocusEvent) => {
    if (ev.target instanceof Element) chain = chainOf(ev.target);
  };
  const onFocusOut = (ev: FocusEvent) => {
    const el = ev.target;
    // A real blur (a click elsewhere) leaves the element on the page: nothing to rescue later.
    queueMicrotask(() => {
      if (el instanceof Element && el.isConnected && chain[0] === el) chain = [];
    });
  };
  const observer = new MutationObserver(() => {
    const lost = chain[0];
    if (!lost || lost.isConnected) return;
    if (doc.activeElement && doc.activeElement !== doc.body) return; // focus went somewhere already (autoFocus)
    const target = rescueTarget(chain);
    chain = target ? chainOf(target) : [];
    target?.focus();
  });
  observer.observe(doc.body, { childList: true, subtree: true });
  doc.addEventListener('focusin', onFocusIn);
  doc.addEventListener('focusout', onFocusOut);
  return () => {
    observer.disconnect();
    doc.removeEventListener('focusin', onFocusIn);
    doc.removeEventListener('focusout', onFocusOut);
  };
}
