/* Page behaviour every page shares, by data attributes and event delegation: the Content-Security-Policy
   allows no inline script or on* handler (issue 8 §5).
   - <form data-confirm="…"> / <button data-confirm="…">: ask before submitting / following.
     A form that also has hx-confirm is asked by htmx instead (when htmx is loaded).
   - <select data-confirm-choice>: ask with the selected <option data-confirm="…"> text, if it has one.
   - <select data-autosubmit>: submit its form on change.
   - <button data-copy="#id">: copy the value of #id to the clipboard.
   - <select data-among="id">: offer only the options picked in the multiple <select id="id"> (组长 among
     the chosen supervisors); a single pick is selected.
   - <form data-busy="正在…"> / <button data-busy> / <a data-busy>: while a long request runs (PDF, draw,
     import) the button shows a spinner with the text and cannot be pressed again; restored when the page
     is shown again (back button) or, for a download that keeps the page, after a while.
   - <button data-print>: print the page (the print stylesheet adds title, unit and date). */
(function () {
  "use strict";

  function choiceMessage(form) {
    var select = form.querySelector("select[data-confirm-choice]");
    var option = select && select.selectedOptions[0];
    return option ? option.getAttribute("data-confirm") : null;
  }

  function refuse(event) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }

  // Capture phase: runs before htmx's own submit listener on the form, so a cancelled confirm sends nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var message = form.getAttribute("data-confirm");
    if (message && form.hasAttribute("hx-confirm") && window.htmx) { message = null; }
    message = message || choiceMessage(form);
    if (message && !window.confirm(message)) { refuse(event); }
  }, true);

  var BUSY_DEFAULT = "正在处理,请稍候…";

  function busy(element, text) {
    if (!element || element.classList.contains("dudao-busy")) { return; }
    element.setAttribute("data-busy-html", element.innerHTML);
    element.classList.add("dudao-busy");
    element.setAttribute("aria-disabled", "true");
    element.setAttribute("aria-busy", "true");
    var spinner = document.createElement("span");
    spinner.className = "spinner-border spinner-border-sm me-2";
    spinner.setAttribute("role", "status");
    element.textContent = "";
    element.appendChild(spinner);
    element.appendChild(document.createTextNode(text || BUSY_DEFAULT));
    if (element.tagName === "BUTTON") {
      // After the submission has collected the form data (a disabled submitter would be left out).
      window.setTimeout(function () { element.disabled = true; }, 0);
    }
  }

  function idle(element) {
    if (!element.classList.contains("dudao-busy")) { return; }
    element.innerHTML = element.getAttribute("data-busy-html");
    element.classList.remove("dudao-busy");
    element.removeAttribute("aria-disabled");
    element.removeAttribute("aria-busy");
    if (element.tagName === "BUTTON") { element.disabled = false; }
  }

  // Bubble phase: a submission the confirmation refused never gets here; htmx forms are left to htmx.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) { return; }
    var submitter = event.submitter || form.querySelector("button[type=submit], button:not([type])");
    var text = (submitter && submitter.getAttribute("data-busy")) || form.getAttribute("data-busy");
    if (text !== null && text !== undefined && submitter) { busy(submitter, text); }
  });

  window.addEventListener("pageshow", function () {
    document.querySelectorAll(".dudao-busy").forEach(idle);
  });
  // Back from the tab where the PDF opened: its link is ready again.
  window.addEventListener("focus", function () {
    document.querySelectorAll("a.dudao-busy").forEach(idle);
  });

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("button[data-confirm], a[data-confirm], input[data-confirm]");
    if (trigger && !window.confirm(trigger.getAttribute("data-confirm"))) {
      refuse(event);
      return;
    }
    var link = event.target.closest("a[data-busy]");
    if (link && !event.defaultPrevented && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      busy(link, link.getAttribute("data-busy"));
      // A download (or a PDF opened in a new tab) keeps this page: give the button back after a while.
      window.setTimeout(function () { idle(link); }, 20000);
    }
    if (event.target.closest("[data-print]")) { window.print(); }
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var source = document.querySelector(copy.getAttribute("data-copy"));
      if (source && navigator.clipboard) { navigator.clipboard.writeText(source.value); }
    }
  }, true);

  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) { select.form.submit(); }
    if (event.target.id) {
      document.querySelectorAll('select[data-among="' + event.target.id + '"]').forEach(limitChoices);
    }
  });

  function limitChoices(select) {
    var source = document.getElementById(select.getAttribute("data-among"));
    if (!source) { return; }
    var picked = Array.prototype.filter.call(source.options, function (o) { return o.selected; })
      .map(function (o) { return o.value; });
    Array.prototype.forEach.call(select.options, function (option) {
      var offered = !option.value || picked.indexOf(option.value) >= 0;
      option.hidden = !offered;
      option.disabled = !offered;
      if (!offered && option.selected) { select.value = ""; }
    });
    if (picked.length === 1) { select.value = picked[0]; }
  }
  document.querySelectorAll("select[data-among]").forEach(limitChoices);
})();
