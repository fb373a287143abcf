// The search index, on demand.
//
// Material requests search/search_index.json below its site's root as soon as any page loads:
// 70-90 KB gzip (each language's build has its own), more than half of what a first visit to a
// chapter costs, for readers who may never search. This script, which must run before Material's
// bundle (overrides/main.html), holds that request back until the reader turns to the search
// (focus, click or tap on it, or a ?q= / ?h= link that needs it at once).
//
// Our own code because Material has no setting for either: its bundle fixes the index's address
// and requests it with XMLHttpRequest at start-up (Material 9.8). Only that one request is touched;
// if Material ever asks for the index differently, search still works, just eagerly.
(() => {
  const INDEX = "search/search_index.json";

  let wanted = false;
  const waiting = [];
  const want = () => {
    if (wanted) return;
    wanted = true;
    waiting.splice(0).forEach((send) => send());
  };

  const { open, send } = XMLHttpRequest.prototype;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.isSearchIndex = new URL(url, location.href).pathname.endsWith(`/${INDEX}`);
    return open.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (...body) {
    if (this.isSearchIndex && !wanted) {
      waiting.push(() => send.apply(this, body));
      return undefined;
    }
    return send.apply(this, body);
  };

  // Arriving from a shared search (?q=) or a search result that highlights its words (?h=).
  const query = new URLSearchParams(location.search);
  if (query.has("q") || query.has("h")) want();

  // Turning to the search: the search field gets focus (also through Material's keyboard shortcuts),
  // the phone's search button toggles #__search, or the pointer reaches the search form.
  const isSearch = (node) => node instanceof Element && (node.closest(".md-search") || node.id === "__search"
    || node.closest('label[for="__search"]'));
  for (const type of ["focusin", "pointerdown", "pointerover", "change"]) {
    document.addEventListener(type, (event) => { if (isSearch(event.target)) want(); }, { capture: true });
  }
})();
