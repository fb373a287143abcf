// Figures open larger. Each figure of a page becomes a link to its SVG (a middle click opens it in a
// tab of its own, at any size); a plain click, or Enter, shows it in a dialog as wide as the window.
// Escape, a click anywhere or the close button closes it. Styles: overrides/stylesheets/course.css.
// Its words are the page's (overrides/main.html writes them; overrides/locales/<lang>.yml).
(() => {
  const T = JSON.parse(document.getElementById("course-strings").textContent).zoom;

  function dialog() {
    let box = document.querySelector("dialog.course-zoom");
    if (box) return box;
    box = document.createElement("dialog");
    box.className = "course-zoom";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "course-zoom__close";
    button.textContent = "×";
    box.append(button, document.createElement("img"));
    box.addEventListener("click", () => box.close());
    document.body.append(box);
    return box;
  }

  function open(figure) {
    const box = dialog();
    const image = box.querySelector("img");
    image.src = figure.src;
    image.alt = figure.alt;
    box.querySelector("button").setAttribute("aria-label", T.close);
    box.showModal();
  }

  // Material swaps the article on instant navigation: wrap the figures of each new page.
  document$.subscribe(() => {
    for (const figure of document.querySelectorAll(".md-content article img")) {
      if (figure.closest("a")) continue;
      const link = document.createElement("a");
      link.className = "course-figure";
      link.href = figure.src;
      figure.replaceWith(link);
      link.append(figure);
      link.addEventListener("click", (event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        open(figure);
      });
    }
  });
})();
