// Material keeps its header across instant navigation, so the language links rendered for the
// first page would go stale. After every navigation, point each link at the current page's
// counterpart: the same path under the other language's root (pages mirror paths one to one).
(() => {
  const links = [...document.querySelectorAll("a.md-select__link[data-language-root]")];
  const roots = links.map((a) => new URL(a.dataset.languageRoot, location.href).href);
  document$.subscribe(() => {
    const here = location.href.split("#")[0];
    const own = roots.filter((root) => here.startsWith(root)).sort((a, b) => b.length - a.length)[0];
    if (own === undefined) return;
    const rest = here.slice(own.length);
    links.forEach((a, i) => { a.href = roots[i] + rest; });
  });
})();
