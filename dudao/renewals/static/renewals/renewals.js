// Renewal form tables: add a row from the section's <template>, remove a row. No framework needed.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var key = add.getAttribute("data-add-row");
      var table = document.querySelector('table[data-section="' + key + '"]');
      var template = document.getElementById("row-template-" + key);
      if (!table || !template) return;
      var next = parseInt(table.getAttribute("data-next"), 10) || 0;
      var html = template.innerHTML.split("__i__").join(String(next));
      table.tBodies[0].insertAdjacentHTML("beforeend", html);
      table.setAttribute("data-next", String(next + 1));
      var row = table.tBodies[0].lastElementChild;
      var first = row && row.querySelector("input,select,textarea");
      if (first) first.focus();
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var tr = remove.closest("tr[data-row]");
      if (tr) tr.remove();
    }
  });
})();
