// Cards by hand and the browser: live preview, duplicate warning, Ctrl+Enter, selections.
"use strict";
(function () {
  const form = document.getElementById("card-form");
  if (form) {
    const front = form.querySelector("#front");
    const back = form.querySelector("#back");
    const deck = form.querySelector("#deck_id");
    const newDeck = form.querySelector('input[name="new_deck"]');
    const preview = document.getElementById("preview");
    const warning = document.getElementById("duplicate-warning");
    let timer = null;
    let sequence = 0;

    function kind() {
      const checked = form.querySelector('input[name="kind"]:checked');
      const hidden = form.querySelector('input[type="hidden"][name="kind"]');
      return checked ? checked.value : hidden ? hidden.value : "basic";
    }

    function showKind() {
      const chosen = kind();
      form.dataset.kind = chosen;
      for (const label of form.querySelectorAll(".kind-label")) {
        label.textContent = label.dataset[chosen] || label.dataset.basic;
      }
    }

    async function refresh() {
      const mine = ++sequence;
      const body = {
        front: front.value, back: back.value, kind: kind(),
        deck_id: newDeck && newDeck.value.trim() ? "" : (deck ? deck.value : ""),
        card_id: form.dataset.cardId || "",
      };
      let data;
      try {
        const response = await wengu.post(form.dataset.previewUrl, body);
        if (!response.ok) return;
        data = await response.json();
      } catch (error) {
        return;
      }
      if (mine !== sequence) return; // a newer request is on its way
      preview.replaceChildren();
      data.sides.forEach(function (side, index) {
        const box = document.createElement("div");
        box.className = "preview-card";
        const label = document.createElement("p");
        label.className = "muted";
        label.textContent = "#" + (index + 1);
        const q = document.createElement("div");
        q.className = "rendered preview-front";
        q.innerHTML = side.front; // rendered and sanitised by the server's renderer
        const a = document.createElement("div");
        a.className = "rendered preview-back";
        a.innerHTML = side.back;
        box.append(label, q, document.createElement("hr"), a);
        preview.append(box);
      });
      allowDuplicate(data.duplicates.length > 0);
      if (warning) {
        warning.hidden = !data.duplicates.length;
        warning.replaceChildren();
        if (data.duplicates.length) {
          warning.append(data.duplicate_message + " ");
          const link = document.createElement("a");
          link.href = data.duplicates[0].url;
          link.textContent = "#" + data.duplicates[0].id;
          warning.append(link);
        }
      }
    }

    // Once the warning has been shown, saving adds the card anyway (flagged, not refused).
    function allowDuplicate(shown) {
      let field = form.querySelector('input[name="allow_duplicate"]');
      if (shown && !field) {
        field = document.createElement("input");
        field.type = "hidden";
        field.name = "allow_duplicate";
        field.value = "1";
        form.append(field);
      } else if (!shown && field && field.dataset.live) {
        field.remove();
      }
      if (field && shown) field.dataset.live = "1";
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", function () { showKind(); schedule(); });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
        event.preventDefault();
        const primary = form.querySelector("button.primary");
        form.requestSubmit(primary || undefined);
      }
    });
    showKind();
    if (front.value || back.value) refresh();
  }

  // Buttons that ask first (delete, reset).
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  });

  // The browser: select every card on the page.
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll('#bulk-form input[name="ids"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }
})();
