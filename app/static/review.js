// The review page: keyboard shortcuts, timing each answer, and swapping in the next card.
// Every action is a plain form that also works without this script.
"use strict";
(function () {
  const root = document.getElementById("review");
  if (!root) return;
  let shownAt = performance.now();
  let busy = false;

  function status(message) {
    const el = root.querySelector(".review-status");
    if (el) el.textContent = message || "";
  }

  function answerBox() {
    return root.querySelector(".review-answer");
  }

  function reveal() {
    const box = answerBox();
    if (box && !box.open) box.open = true;
  }

  function swap(html, message) {
    root.innerHTML = html;
    shownAt = performance.now();
    status(message);
    window.scrollTo(0, 0);
  }

  function setText(selector, text) {
    const el = root.querySelector(selector);
    if (el) el.textContent = text;
  }

  // The next card as data (an answer's reply): put it into the card on the page,
  // the way review/_card.html shows it, with the page's own (translated) labels.
  // A grade's wait in seconds as the button shows it (the page holds the translated
  // patterns; the same rounding as interval_label in app/review/views.py).
  function waitLabel(seconds, grades) {
    const form = grades.dataset;
    if (seconds <= 0) return form.today;
    if (seconds < 3600) return form.minutes.replace("{n}", Math.max(1, Math.floor(seconds / 60 + 0.5)));
    if (seconds < 86400) return form.hours.replace("{n}", Math.floor(seconds / 3600 + 0.5));
    return form.days.replace("{n}", Math.floor(seconds / 86400));
  }

  function fill(card, message) {
    const article = root.querySelector(".review-card");
    const grades = root.querySelector(".review-grades");
    if (!article || !grades) return false;
    article.dataset.card = String(card.id);
    const current = card.tag === "repeat" ? "repeat" : card.tag === "new" ? "new" : "review";
    for (const name of ["review", "new", "repeat"]) {
      const el = root.querySelector(".count-" + name);
      if (!el) continue;
      el.textContent = el.dataset.label.replace("{n}", card.counts[name]);
      el.classList.toggle("current", name === current);
    }
    setText(".review-deck", card.deck);
    const context = root.querySelector(".review-context");
    context.textContent = card.context;
    context.hidden = !card.context;
    const tag = root.querySelector(".review-tag");
    tag.textContent = card.tag ? tag.dataset[card.tag] : "";
    tag.hidden = !card.tag;
    root.querySelector(".review-front").innerHTML = card.front;
    root.querySelector(".review-back").innerHTML = card.back;
    // The pressed grade button is about to be hidden: Space must reveal, not press it.
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    answerBox().open = false;
    grades.querySelector('input[name="card_id"]').value = String(card.id);
    grades.querySelector('input[name="showing_id"]').value = card.showing_id;
    for (const button of grades.querySelectorAll("button[name=grade]")) {
      button.querySelector(".grade-interval").textContent = waitLabel(card.waits[button.value], grades);
    }
    const undo = root.querySelector("button[data-key=z]");
    if (undo) undo.disabled = false;
    root.querySelector("a[data-key=e]").href = card.urls.edit;
    for (const name of ["s", "b", "x"]) {
      const button = root.querySelector("button[data-key=" + name + "]");
      const action = { s: "suspend", b: "bury", x: "discard" }[name];
      if (button) button.form.action = card.urls[action];
    }
    const source = root.querySelector(".js-source");
    source.href = card.urls.source;
    source.dataset.partial = card.urls.source_partial;
    const panel = root.querySelector(".review-source");
    panel.hidden = true;
    panel.textContent = "";
    shownAt = performance.now();
    status(message);
    window.scrollTo(0, 0);
    return true;
  }

  async function send(form, submitter) {
    if (busy) return;
    const question = form.dataset.confirm;
    if (question && !window.confirm(question)) return;
    busy = true;
    const duration = form.querySelector('input[name="duration_ms"]');
    if (duration) duration.value = String(Math.round(performance.now() - shownAt));
    const body = new FormData(form, submitter || undefined);
    body.set("format", "json");
    if (form.classList.contains("review-grades")) body.set("fill", "1");
    root.classList.add("busy");
    try {
      const response = await wengu.post(form.action, body);
      const data = await response.json().catch(() => ({}));
      if (response.ok && data.card !== undefined) {
        if (!fill(data.card, data.message)) window.location.reload();
      } else if (response.ok && data.html !== undefined) {
        swap(data.html, data.message);
      } else {
        status(data.error || response.statusText);
      }
    } catch (error) {
      status(String(error));
    } finally {
      busy = false;
      root.classList.remove("busy");
    }
  }

  root.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("js-review")) return;
    event.preventDefault();
    send(form, event.submitter);
  });

  async function toggleSource(link) {
    const panel = root.querySelector(".review-source");
    if (!panel) return;
    if (!panel.hidden) {
      panel.hidden = true;
      return;
    }
    const response = await fetch(link.dataset.partial, { credentials: "same-origin" });
    panel.innerHTML = await response.text();
    panel.hidden = false;
  }

  root.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest(".js-source") : null;
    if (!link) return;
    event.preventDefault();
    toggleSource(link);
  });

  function press(selector) {
    const el = root.querySelector(selector);
    if (!el || el.disabled) return false;
    el.click();
    return true;
  }

  document.addEventListener("keydown", (event) => {
    if (wengu.typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const box = answerBox();
    const key = event.key;
    if (key === " " || key === "Enter") {
      // A focused button or link keeps its own Space/Enter (keyboard users tab to them).
      const focused = document.activeElement;
      if (focused && ["BUTTON", "A"].includes(focused.tagName)) return;
      // Front: show the answer. Back: Good (SM-2's grade 4 in either button set), as in Anki.
      if (box && !box.open) {
        event.preventDefault();
        reveal();
      } else if (box && box.open && press('.review-grades button[name=grade][value="4"]')) {
        event.preventDefault();
      }
      return;
    }
    if (/^[0-5]$/.test(key)) {
      if (box && box.open && press('.review-grades button[data-key="' + key + '"]')) {
        event.preventDefault();
      }
      return;
    }
    const shortcuts = { z: "button[data-key=z]", e: "a[data-key=e]", s: "button[data-key=s]",
                        b: "button[data-key=b]", x: "button[data-key=x]", o: "a[data-key=o]" };
    const selector = shortcuts[key.toLowerCase()];
    if (selector && press(selector)) event.preventDefault();
  });
})();
