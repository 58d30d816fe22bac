/* Examiner picker: "添加" copies the result's <template> row into the chosen list; "移除" deletes a row. */
(function () {
  document.addEventListener("click", function (event) {
    var picker = event.target.closest("[data-examiner-picker]");
    if (!picker) { return; }
    var picked = picker.querySelector("[data-picked]");
    var add = event.target.closest("[data-add-examiner]");
    var remove = event.target.closest("[data-remove-examiner]");
    if (add) {
      var result = add.closest("[data-examiner-result]");
      picked.appendChild(result.querySelector("template").content.cloneNode(true));
      result.remove();
    } else if (remove) {
      var row = remove.closest("[data-examiner]");
      var wasLeader = row.querySelector("input[name=team_leader]:checked");
      row.remove();
      if (wasLeader) { picker.querySelector("input[name=team_leader][value='']").checked = true; }
    } else {
      return;
    }
    picker.querySelector("[data-picked-empty]").hidden = picked.children.length > 0;
  });
})();
