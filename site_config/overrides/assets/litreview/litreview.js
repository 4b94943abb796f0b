/* litreview: sortable evidence tables (numbers as numbers, empty cells last). No network, no dependencies. */
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    return cell ? cell.getAttribute("data-sort") || "" : "";
  }

  function sortTable(table, index, type) {
    var header = table.tHead.rows[0].cells[index];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var numeric = ["integer", "percent", "months", "ratio"].indexOf(type) >= 0;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      if (x === "" && y === "") return 0;
      if (x === "") return 1;        /* empty cells last, whatever the direction */
      if (y === "") return -1;
      var result = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      return ascending ? result : -result;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function setup(root) {
    var tables = (root || document).querySelectorAll("table[data-lr-sortable]");
    Array.prototype.forEach.call(tables, function (table) {
      if (table.getAttribute("data-lr-ready")) return;
      table.setAttribute("data-lr-ready", "1");
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
        var button = th.querySelector("button.lr-sort");
        if (!button) return;
        button.addEventListener("click", function () { sortTable(table, index, th.getAttribute("data-type")); });
      });
    });
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(function () { setup(document); });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setup(document); });
  } else {
    setup(document);
  }
})();
