// wengu's shared page script: CSRF for fetch calls. No inline scripts anywhere (CSP).
"use strict";
window.wengu = (function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const token = meta ? meta.content : "";
  /** fetch() with the CSRF header and same-origin credentials. */
  function post(url, body) {
    const headers = { "X-CSRFToken": token };
    let payload = body;
    if (body && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return fetch(url, { method: "POST", headers, body: payload, credentials: "same-origin" });
  }
  /** True while a text field has focus or an input method is composing (CJK IME). */
  function typing(event) {
    if (event && (event.isComposing || event.keyCode === 229)) return true;
    const el = document.activeElement;
    return !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
  }
  return { post, typing, csrfToken: token };
})();

// A new account's time zone: the browser's own, when the list knows it.
(function () {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const select of document.querySelectorAll("select[data-browser-zone]")) {
    if (zone && Array.from(select.options).some((option) => option.value === zone)) {
      select.value = zone;
    }
  }
})();
