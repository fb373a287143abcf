// The search, on demand.
//
// Material requests search/search_index.json below its site's root as soon as any page loads:
// 70-90 KB gzip (each language's build has its own), more than half of what a first visit to a
// chapter costs, for readers who may never search. It also starts its search worker at once (its
// script, 12.5 KB, is fetched then), although the worker has nothing to do before the index
// arrives. This script, which must run before Material's bundle (overrides/main.html), holds both
// back until the reader turns to the search (focus, click or tap on it, or a ?q= / ?h= link that
// needs it at once).
//
// Our own code because Material has no setting for either: its bundle fixes the index's address
// and requests it with XMLHttpRequest at start-up, and creates the worker with `new Worker` (Material
// 9.8). Only that request and that worker are touched; if Material ever asks differently, search
// still works, just eagerly.
(() => {
  const INDEX = "search/search_index.json";

  const WORKER = /\/workers\/search\.[^/]*\.js$/;

  let wanted = false;
  const waiting = [];
  const want = () => {
    if (wanted) return;
    wanted = true;
    waiting.splice(0).forEach((start) => start());
  };

  // The worker: until the search is wanted, Material talks to a stand-in that keeps its messages;
  // then the real worker starts, gets them in order, and its answers reach Material's listeners.
  const RealWorker = window.Worker;
  class WorkerOnDemand extends EventTarget {
    constructor(url, options) {
      super();
      const outbox = [];
      let worker = null;
      let stopped = false;
      this.postMessage = (message) => (worker ? worker.postMessage(message) : outbox.push(message));
      this.terminate = () => { stopped = true; if (worker) worker.terminate(); };
      const start = () => {
        if (stopped) return;
        worker = new RealWorker(url, options);
        for (const type of ["message", "messageerror", "error"]) {
          worker.addEventListener(type, (event) => this.dispatchEvent(
            type === "error" ? new ErrorEvent("error", event) : new MessageEvent(type, { data: event.data })));
        }
        outbox.splice(0).forEach((message) => worker.postMessage(message));
      };
      if (wanted) start(); else waiting.push(start);
    }
  }
  window.Worker = function Worker(url, options) {
    return WORKER.test(new URL(url, location.href).pathname) ? new WorkerOnDemand(url, options) : new RealWorker(url, options);
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
