// The deck list's tree: fold and unfold a deck at once, and remember it in the background.
// Without this script the fold buttons are plain forms that reload the list.
"use strict";
(function () {
  const table = document.querySelector(".deck-list");
  if (!table) return;

  // Show or hide each row below a folded deck, in tree order.
  function layout() {
    let hiddenBelow = null;
    for (const row of table.querySelectorAll("tbody tr")) {
      const depth = Number(row.dataset.depth);
      if (hiddenBelow !== null && depth <= hiddenBelow) hiddenBelow = null;
      row.hidden = hiddenBelow !== null;
      if (hiddenBelow === null && row.hasAttribute("data-folded")) hiddenBelow = depth;
    }
  }

  table.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("js-fold")) return;
    event.preventDefault();
    const row = form.closest("tr");
    const input = form.querySelector('input[name="folded"]');
    const button = form.querySelector("button");
    const fold = input.value === "1";
    row.toggleAttribute("data-folded", fold);
    button.textContent = fold ? "▸" : "▾";
    button.setAttribute("aria-expanded", fold ? "false" : "true");
    input.value = fold ? "0" : "1";
    layout();
    const body = new FormData();
    body.set("folded", fold ? "1" : "0");
    body.set("format", "json");
    wengu.post(form.action, body);
  });
})();
