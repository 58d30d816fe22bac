/* On-site page: findings saved per item (htmx) and nothing lost on a dropped connection.
   A finding whose save failed for the network stays marked and is re-sent when the connection returns;
   the text typed into a "new finding" form is kept in localStorage until it has been recorded and is put
   back when the page is opened again (a failed add is re-rendered by the server with what was typed). */
(function () {
  "use strict";
  const state = document.getElementById("save-state");
  if (!state) return;
  const draftKey = "dudao-onsite-" + location.pathname + ":";
  const pending = new Set();

  function show() {
    state.classList.remove("is-saving", "is-offline");
    if (pending.size) {
      state.classList.add("is-offline");
      state.innerHTML = '<i class="ti ti-cloud-off me-1"></i>' + pending.size + " 条未保存(网络中断),联网后自动重试";
    } else {
      state.innerHTML = '<i class="ti ti-cloud-check me-1"></i>已保存';
    }
  }
  function restoreDrafts(root) {
    (root || document).querySelectorAll("form.dudao-add-form").forEach(function (form) {
      const area = form.querySelector("textarea[name=description]");
      const saved = localStorage.getItem(draftKey + form.dataset.area);
      if (area && saved && !area.value) area.value = saved;
    });
  }
  restoreDrafts();

  document.addEventListener("input", function (event) {
    const form = event.target.closest("form.dudao-add-form");
    if (form && event.target.name === "description") localStorage.setItem(draftKey + form.dataset.area, event.target.value);
  });
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.closest && event.detail.elt.closest(".dudao-area")) {
      state.classList.add("is-saving");
      state.innerHTML = '<i class="ti ti-loader me-1"></i>保存中…';
    }
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    const elt = event.detail.elt;
    if (!elt.closest) return;
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    const retryable = !event.detail.successful && (status === 0 || status >= 500);
    const finding = elt.closest("form.dudao-finding-form");
    if (finding) {
      const card = finding.closest(".dudao-finding");
      if (retryable) { pending.add(finding); } else { pending.delete(finding); }
      if (card) card.classList.toggle("is-unsaved", retryable);
    }
    const add = elt.closest("form.dudao-add-form");
    if (add && event.detail.successful) localStorage.removeItem(draftKey + add.dataset.area);
    show();
  });
  document.body.addEventListener("htmx:sendError", show);
  window.addEventListener("online", function () {
    pending.forEach(function (form) { if (document.body.contains(form)) htmx.trigger(form, "change"); });
  });
})();
