/* Filling an evaluation: per-item saves (htmx), counters, and nothing lost on a dropped connection.
   Unsent items are kept in localStorage and re-sent when the connection returns (or on the next visit). */
(function () {
  "use strict";
  const root = document.getElementById("live-wrap");
  if (!root) return;
  const key = "dudao-eval-" + location.pathname;
  const state = document.getElementById("save-state");
  const pending = new Set(JSON.parse(localStorage.getItem(key) || "[]"));

  function formOf(itemId) {
    return document.querySelector('form.dudao-item-form[data-item="' + CSS.escape(itemId) + '"]');
  }
  function snapshot(form) {
    return Array.from(new FormData(form).entries());
  }
  function remember() {
    const data = {};
    pending.forEach(function (id) {
      const form = formOf(id);
      if (form) data[id] = snapshot(form);
    });
    localStorage.setItem(key, JSON.stringify(Array.from(pending)));
    localStorage.setItem(key + ":values", JSON.stringify(data));
  }
  function show() {
    if (!state) return;
    state.classList.remove("is-saving", "is-offline");
    if (pending.size) {
      state.classList.add("is-offline");
      state.innerHTML = '<i class="ti ti-cloud-off me-1"></i>' + pending.size + " 项未保存(网络中断),联网后自动重试";
    } else {
      state.innerHTML = '<i class="ti ti-cloud-check me-1"></i>已保存';
    }
  }
  function markUnsaved(form, unsaved) {
    const card = form.closest(".dudao-item");
    if (card) card.classList.toggle("is-unsaved", unsaved);
  }

  // Counters: −/+ buttons and "无扣分" set the values, then fire one change (one save).
  document.addEventListener("click", function (event) {
    const step = event.target.closest("[data-step]");
    const zero = event.target.closest("[data-zero]");
    if (!step && !zero) return;
    const form = event.target.closest("form.dudao-item-form");
    if (!form) return;
    if (step) {
      const input = step.parentElement.querySelector("input[type=number]");
      const max = input.max ? parseInt(input.max, 10) : Infinity;
      const value = Math.min(max, Math.max(0, (parseInt(input.value, 10) || 0) + parseInt(step.dataset.step, 10)));
      input.value = value;
      // Another blank counter of the same item counts as 0 once one is set.
      form.querySelectorAll("input[name=count]").forEach(function (other) { if (other.value === "") other.value = 0; });
    } else {
      form.querySelectorAll("input[name=count]").forEach(function (input) { input.value = 0; });
    }
    form.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // Keep typed notes locally until saved (a phone may lose the page before the textarea blurs).
  document.addEventListener("input", function (event) {
    const form = event.target.closest("form.dudao-item-form");
    if (form && event.target.name === "note") { pending.add(form.dataset.item); remember(); }
  });

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    const form = event.detail.elt.closest && event.detail.elt.closest("form.dudao-item-form");
    if (form && state) { state.classList.add("is-saving"); state.innerHTML = '<i class="ti ti-loader me-1"></i>保存中…'; }
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt.closest && event.detail.elt.closest("form.dudao-item-form");
    if (!form) return;
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    const ok = event.detail.successful;
    const retryable = !ok && (status === 0 || status >= 500);
    if (retryable) { pending.add(form.dataset.item); } else { pending.delete(form.dataset.item); }
    markUnsaved(form, !ok);
    remember();
    show();
    if (!ok && !retryable && state) {
      state.classList.add("is-offline");
      state.innerHTML = '<i class="ti ti-alert-circle me-1"></i>保存失败(' + status + "):无权修改或评估状态已变化,请刷新页面";
    }
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    const form = event.detail.elt.closest && event.detail.elt.closest("form.dudao-item-form");
    if (form) { pending.add(form.dataset.item); markUnsaved(form, true); remember(); show(); }
  });
  // The submit button follows the live bar (enabled once every item is answered).
  document.body.addEventListener("htmx:afterSettle", function () {
    const bar = document.getElementById("live-bar");
    const submit = document.getElementById("submit-btn");
    if (bar && submit) submit.disabled = bar.dataset.complete !== "1";
  });

  function retry() {
    if (!pending.size || !navigator.onLine) return;
    pending.forEach(function (id) {
      const form = formOf(id);
      if (form) htmx.trigger(form, "change"); else pending.delete(id);
    });
  }
  // Values typed on an earlier visit that never reached the server: put them back and send them.
  function restore() {
    const saved = JSON.parse(localStorage.getItem(key + ":values") || "{}");
    Object.keys(saved).forEach(function (id) {
      const form = formOf(id);
      if (!form) return;
      const counts = saved[id].filter(function (kv) { return kv[0] === "count"; }).map(function (kv) { return kv[1]; });
      form.querySelectorAll("input[name=count]").forEach(function (input, i) { if (i < counts.length) input.value = counts[i]; });
      saved[id].forEach(function (kv) {
        if (kv[0] === "note") form.querySelector("textarea[name=note]").value = kv[1];
        if (kv[0] === "value") {
          const radio = form.querySelector('input[name=value][value="' + CSS.escape(kv[1]) + '"]');
          if (radio) radio.checked = true;
        }
      });
      markUnsaved(form, true);
    });
  }
  window.addEventListener("online", retry);
  setInterval(retry, 15000);
  window.addEventListener("beforeunload", function (event) {
    if (pending.size) { remember(); event.preventDefault(); event.returnValue = ""; }
  });
  function start() { restore(); show(); setTimeout(retry, 500); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
