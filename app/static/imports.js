// The import progress page: polls the job's status and reloads when it is done.
"use strict";
(function () {
  const panel = document.querySelector("[data-status-url]");
  if (!panel) return;
  const url = panel.dataset.statusUrl;
  const bar = panel.querySelector("progress");
  const done = panel.querySelector("[data-import-done]");
  const total = panel.querySelector("[data-import-total]");
  let delay = 700;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((status) => {
        if (bar) { bar.max = status.total || 1; bar.value = status.done; }
        if (done) done.textContent = status.done;
        if (total) total.textContent = status.total;
        if (status.finished) { window.location.reload(); return; }
        delay = 700;
        window.setTimeout(poll, delay);
      })
      .catch(() => { delay = Math.min(delay * 2, 10000); window.setTimeout(poll, delay); });
  }
  window.setTimeout(poll, delay);
})();
