/* Page behaviour every page shares, by data attributes and event delegation: the Content-Security-Policy
   allows no inline script or on* handler (issue 8 §5).
   - <form data-confirm="…"> / <button data-confirm="…">: ask before submitting / following.
     A form that also has hx-confirm is asked by htmx instead (when htmx is loaded).
   - <select data-confirm-choice>: ask with the selected <option data-confirm="…"> text, if it has one.
   - <select data-autosubmit>: submit its form on change.
   - <button data-copy="#id">: copy the value of #id to the clipboard. */
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

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("button[data-confirm], a[data-confirm], input[data-confirm]");
    if (trigger && !window.confirm(trigger.getAttribute("data-confirm"))) {
      refuse(event);
      return;
    }
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var source = document.querySelector(copy.getAttribute("data-copy"));
      if (source && navigator.clipboard) { navigator.clipboard.writeText(source.value); }
    }
  }, true);

  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) { select.form.submit(); }
  });
})();
