// Inbox triage by keyboard: j/k move, a answer (Ctrl+Enter saves, Esc leaves the field),
// d dismiss as "not a card", s skip, o open the question's line in the note, x select.
// Actions are sent with fetch and the question leaves the list in place; without this
// script every button still works as a plain form that returns to the same place.
"use strict";
(function () {
  const list = document.getElementById("inbox-list");
  if (!list) return;
  const lead = document.getElementById("inbox-total");
  const selectAll = document.getElementById("select-all");
  let status = document.getElementById("inbox-status");
  if (!status) {
    status = document.createElement("p");
    status.id = "inbox-status";
    status.className = "flash";
    status.setAttribute("role", "status");
    status.hidden = true;
    list.before(status);
  }

  function questions() {
    return Array.from(list.querySelectorAll("article.question"));
  }

  let current = null;

  function select(article, scroll) {
    if (current) current.classList.remove("current");
    current = article || null;
    if (!current) return;
    current.classList.add("current");
    if (scroll !== false) current.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const all = questions();
    if (!all.length) return;
    const at = current ? all.indexOf(current) : -1;
    const next = at < 0 ? all[0] : all[Math.min(all.length - 1, Math.max(0, at + step))];
    select(next);
  }

  function say(text) {
    status.textContent = text;
    status.hidden = !text;
  }

  function removeQuestion(article, data) {
    const all = questions();
    const at = all.indexOf(article);
    const after = all[at + 1] || all[at - 1] || null;
    const section = article.closest("section");
    article.remove();
    if (section && !section.querySelector("article.question")) section.remove();
    if (lead && data) {
      lead.dataset.total = data.total;
      lead.textContent = data.summary;
    }
    say(data ? data.message : "");
    select(after);
    if (!after && selectAll) selectAll.checked = false;
  }

  async function send(article, url, form) {
    const body = form ? new FormData(form) : new FormData();
    const filters = JSON.parse(list.dataset.filters || "{}");
    Object.keys(filters).forEach(function (name) { if (!body.has(name)) body.set(name, filters[name]); });
    let response;
    try {
      response = await fetch(url, {
        method: "POST", body, credentials: "same-origin",
        headers: { "X-CSRFToken": wengu.csrfToken, Accept: "application/json" },
      });
    } catch (error) {
      say(String(error));
      return;
    }
    const data = await response.json().catch(function () { return null; });
    if (!response.ok) {
      showError(article, data && data.error ? data.error : response.statusText);
      return;
    }
    removeQuestion(article, data);
  }

  function showError(article, text) {
    let box = article.querySelector(".form-error");
    if (!box) {
      box = document.createElement("p");
      box.className = "form-error";
      box.setAttribute("role", "alert");
      article.querySelector("form.answer-form").prepend(box);
    }
    box.textContent = text;
  }

  function answer(article) {
    const form = article.querySelector("form.answer-form");
    send(article, form.action, form);
  }

  function dismiss(article) {
    const form = article.querySelector("form.dismiss-form");
    send(article, form.action, form);
  }

  list.addEventListener("submit", function (event) {
    const article = event.target.closest("article.question");
    if (!article) return;
    event.preventDefault();
    if (event.target.classList.contains("dismiss-form")) dismiss(article);
    else answer(article);
  });

  list.addEventListener("focusin", function (event) {
    const article = event.target.closest("article.question");
    if (article && article !== current) select(article, false);
  });

  list.addEventListener("keydown", function (event) {
    if (event.target.tagName !== "TEXTAREA") return;
    const article = event.target.closest("article.question");
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      answer(article);
    } else if (event.key === "Escape") {
      event.target.blur();
      article.focus();
    }
  });

  if (selectAll) {
    selectAll.addEventListener("change", function () {
      list.querySelectorAll('input[name="ids"]').forEach(function (box) { box.checked = selectAll.checked; });
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || wengu.typing(event)) return;
    const keys = {
      j: function () { move(1); }, ArrowDown: function () { move(1); },
      k: function () { move(-1); }, ArrowUp: function () { move(-1); },
      s: function () { move(1); },
      a: function () { if (current) current.querySelector("textarea").focus(); },
      d: function () { if (current) dismiss(current); },
      o: function () { if (current) window.location.assign(current.dataset.sourceUrl); },
      x: function () {
        if (!current) return;
        const box = current.querySelector('input[name="ids"]');
        box.checked = !box.checked;
      },
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    if (!current) {
      move(1); // the first key only picks the first question when none is picked
      if (["j", "k", "s", "ArrowDown", "ArrowUp"].includes(event.key)) return;
    }
    action();
  });

  // After a plain-form action the page comes back at #q-<next>: start there.
  const target = window.location.hash.startsWith("#q-") && document.getElementById(window.location.hash.slice(1));
  select(target || questions()[0], !!target);
})();
