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

  async function send(form, submitter) {
    if (busy) return;
    const question = form.dataset.confirm;
    if (question && !window.confirm(question)) return;
    busy = true;
    const duration = form.querySelector('input[name="duration_ms"]');
    if (duration) duration.value = String(Math.round(performance.now() - shownAt));
    const body = new FormData(form, submitter || undefined);
    body.set("format", "json");
    root.classList.add("busy");
    try {
      const response = await wengu.post(form.action, body);
      const data = await response.json().catch(() => ({}));
      if (response.ok && data.html !== undefined) {
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
      if (box && !box.open) {
        event.preventDefault();
        reveal();
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
