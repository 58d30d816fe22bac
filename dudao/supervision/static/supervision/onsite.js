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
    state.classList.remove("is-saving", "is-offline", "is-error");
    // Refused saves: the server's answer (a Chinese error in the item's status) or markFailed below.
    const failed = document.querySelectorAll(".dudao-finding-status.is-error").length;
    if (failed && !pending.size) {
      state.classList.add("is-error");
      state.innerHTML = '<i class="ti ti-alert-triangle me-1"></i>' + failed + " 条未保存,请查看该条的提示";
    } else if (pending.size) {
      state.classList.add("is-offline");
      state.innerHTML = '<i class="ti ti-cloud-off me-1"></i>' + pending.size + " 条未保存(网络中断),联网后自动重试";
    } else {
      state.innerHTML = '<i class="ti ti-cloud-check me-1"></i>已保存';
    }
  }
  // A save the server refused without a page to show (403, 404, 500 …) or that never arrived: the item's
  // status must say so; it showed the previous "已保存 hh:mm:ss" because htmx swaps nothing on an error.
  function markFailed(form, status) {
    const card = form.closest(".dudao-finding");
    const box = card && card.querySelector(".dudao-finding-status");
    if (!box) return;
    let text = "未保存:网络中断,联网后自动重试";
    if (status === 403) text = "未保存:没有修改权限(任务状态可能已变化),请刷新页面";
    else if (status === 404) text = "未保存:这条发现已不存在,请刷新页面";
    else if (status >= 400) text = "未保存:服务器出错(" + status + "),请稍后重试或刷新页面";
    box.classList.add("is-error");
    box.querySelectorAll("span").forEach(function (span) { span.remove(); });
    const message = document.createElement("span");
    message.className = "text-danger";
    message.setAttribute("role", "alert");
    message.textContent = text;
    box.appendChild(message);
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
      if (!event.detail.successful) markFailed(finding, status);
      if (card) card.classList.toggle("is-unsaved", !event.detail.successful);
    }
    const add = elt.closest("form.dudao-add-form");
    if (add && event.detail.successful) localStorage.removeItem(draftKey + add.dataset.area);
    show();
  });
  document.body.addEventListener("htmx:sendError", show);
  document.body.addEventListener("htmx:afterSettle", show);
  window.addEventListener("online", function () {
    pending.forEach(function (form) { if (document.body.contains(form)) htmx.trigger(form, "change"); });
  });
})();
