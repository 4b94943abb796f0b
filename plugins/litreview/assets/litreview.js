/* litreview: sortable evidence tables (numbers as numbers, empty cells last) and citation previews kept on screen.
   No network, no dependencies. */
(function () {
  "use strict";

  var NUMERIC = ["integer", "percent", "months", "ratio"];

  function cellValue(row, index) {
    var cell = row.cells[index];
    return cell ? cell.getAttribute("data-sort") || "" : "";
  }

  /* A non-numeric value in a numeric column (e.g. "nr": median not reached) ranks above every number. */
  function compareNumeric(x, y) {
    var a = parseFloat(x), b = parseFloat(y);
    var aNum = !isNaN(a), bNum = !isNaN(b);
    if (aNum && bNum) return a - b;
    if (aNum) return -1;
    if (bNum) return 1;
    return x.localeCompare(y);
  }

  /* A row and the folded row of long text under it (class lr-more) move, hide and show together. */
  function mainRows(table) {
    return Array.prototype.filter.call(table.tBodies[0].rows, function (row) {
      return !row.classList.contains("lr-more");
    });
  }

  function moreOf(row) {
    var next = row.nextElementSibling;
    return next && next.classList.contains("lr-more") ? next : null;
  }

  function sortTable(table, index, type) {
    var header = table.tHead.rows[0].cells[index];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var numeric = NUMERIC.indexOf(type) >= 0;
    var body = table.tBodies[0];
    var rows = mainRows(table).map(function (row) { return [row, moreOf(row)]; });
    rows.sort(function (p, q) {
      var x = cellValue(p[0], index), y = cellValue(q[0], index);
      if (x === "" && y === "") return 0;
      if (x === "") return 1;        /* empty cells last, whatever the direction */
      if (y === "") return -1;
      var result = numeric ? compareNumeric(x, y) : x.localeCompare(y);
      return ascending ? result : -result;
    });
    rows.forEach(function (pair) {
      body.appendChild(pair[0]);
      if (pair[1]) body.appendChild(pair[1]);
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  /* The per-entry downloads of the bibliography page: its data file is named by the page, loaded here (the page
     content itself holds no script element). */
  function loadEntries(root) {
    var holder = (root || document).querySelector("[data-lr-entries]");
    if (!holder || window.litreviewEntries || document.querySelector("script[data-lr-entries-script]")) return;
    var script = document.createElement("script");
    script.src = holder.getAttribute("data-lr-entries");
    script.defer = true;
    script.setAttribute("data-lr-entries-script", "1");
    document.head.appendChild(script);
  }

  function element(tag, attrs, text) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { el.setAttribute(name, attrs[name]); });
    if (text) el.textContent = text;
    return el;
  }

  function headingText(th) {
    var button = th.querySelector("button");
    return (button || th).textContent.replace(/\s+/g, " ").trim();
  }

  function cellText(cell) {
    return cell && !cell.classList.contains("lr-empty") ? cell.textContent.replace(/\s+/g, " ").trim() : "";
  }

  /* Text columns with a handful of distinct values (device, topic) get a menu; any text can be typed. */
  function choiceColumns(table) {
    var rows = mainRows(table), out = [];
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      if (index === 0 || th.getAttribute("data-type") !== "text") return;
      var seen = {};
      rows.forEach(function (row) {
        var text = cellText(row.cells[index]);
        if (text) seen[text] = true;
      });
      var values = Object.keys(seen).sort();
      if (values.length >= 2 && values.length <= 6 && values.length < rows.length) out.push([index, values]);
    });
    return out;
  }

  function applyFilters(table, tools) {
    var query = tools.querySelector("input[type='search']").value.trim().toLowerCase();
    var selects = tools.querySelectorAll("select[data-lr-column]");
    var rows = mainRows(table), shown = 0;
    rows.forEach(function (row) {
      var more = moreOf(row);
      var text = (row.textContent + " " + (more ? more.textContent : "")).toLowerCase();
      var ok = !query || text.indexOf(query) >= 0;
      Array.prototype.forEach.call(selects, function (select) {
        var cell = row.cells[parseInt(select.getAttribute("data-lr-column"), 10)];
        if (select.value && cellText(cell) !== select.value) ok = false;
      });
      row.hidden = !ok;
      if (more) more.hidden = !ok;
      if (ok) shown += 1;
    });
    tools.querySelector(".lr-table-count").textContent = shown + " of " + rows.length + " rows shown";
  }

  function setColumn(table, index, visible) {
    table.tHead.rows[0].cells[index].classList.toggle("lr-col-hidden", !visible);
    mainRows(table).forEach(function (row) {
      if (row.cells[index]) row.cells[index].classList.toggle("lr-col-hidden", !visible);
    });
    var span = Array.prototype.filter.call(table.tHead.rows[0].cells, function (th) {
      return !th.classList.contains("lr-col-hidden");
    }).length;
    Array.prototype.forEach.call(table.querySelectorAll("tr.lr-more > td"), function (td) {
      td.setAttribute("colspan", String(span));
    });
  }

  /* Filter, column and fold controls, built only with script (without it there is nothing that would not work).
     Native controls only, so each is reachable and operable by keyboard and named for screen readers; the row
     count is a polite live region. */
  function addTools(table, number) {
    var box = table.closest(".lr-table");
    if (!box || box.querySelector(".lr-table-tools")) return;
    var rows = mainRows(table);
    if (rows.length < 2) return;
    var name = table.caption ? table.caption.textContent.trim() : "the table";
    var tools = element("div", { "class": "lr-table-tools", role: "group",
                                 "aria-label": "Table controls: " + name });
    var id = (box.id || "lr-table-" + number) + "-";
    var label = element("label", { "for": id + "filter" }, "Filter rows");
    var input = element("input", { type: "search", id: id + "filter", autocomplete: "off",
                                   placeholder: "e.g. RCT, resin" });
    label.appendChild(input);
    tools.appendChild(label);
    choiceColumns(table).forEach(function (choice) {
      var th = table.tHead.rows[0].cells[choice[0]];
      var select = element("select", { id: id + "choice-" + choice[0], "data-lr-column": String(choice[0]) });
      select.appendChild(element("option", { value: "" }, "all"));
      choice[1].forEach(function (value) { select.appendChild(element("option", { value: value }, value)); });
      var wrap = element("label", { "for": select.id }, headingText(th));
      wrap.appendChild(select);
      tools.appendChild(wrap);
      select.addEventListener("change", function () { applyFilters(table, tools); });
    });
    var columns = element("details", {});
    columns.appendChild(element("summary", {}, "Columns"));
    var set = element("fieldset", {});
    set.appendChild(element("legend", {}, "Show columns"));
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      if (index === 0) return;  /* the study column identifies the row: always shown */
      var check = element("input", { type: "checkbox", id: id + "col-" + index });
      check.checked = true;
      check.addEventListener("change", function () { setColumn(table, index, check.checked); });
      var item = element("label", { "for": check.id });
      item.appendChild(check);
      item.appendChild(document.createTextNode(" " + headingText(th)));
      set.appendChild(item);
    });
    columns.appendChild(set);
    columns.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && columns.open) {
        columns.open = false;
        columns.querySelector("summary").focus();
      }
    });
    tools.appendChild(columns);
    var folds = table.querySelectorAll("tr.lr-more details");
    if (folds.length) {
      var toggle = element("button", { type: "button", "aria-pressed": "false" }, "Open all details");
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-pressed") !== "true";
        Array.prototype.forEach.call(folds, function (d) { d.open = open; });
        toggle.setAttribute("aria-pressed", open ? "true" : "false");
        toggle.textContent = open ? "Close all details" : "Open all details";
      });
      tools.appendChild(toggle);
    }
    tools.appendChild(element("span", { "class": "lr-table-count", role: "status", "aria-live": "polite" }));
    input.addEventListener("input", function () { applyFilters(table, tools); });
    box.insertBefore(tools, box.firstChild);
    applyFilters(table, tools);
  }

  /* Printing from the browser: every folded row open, so paper shows all the text. */
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("tr.lr-more details, details.lr-chart-data"),
      function (d) { if (!d.open) { d.open = true; d.setAttribute("data-lr-printed", ""); } });
  });
  window.addEventListener("afterprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details[data-lr-printed]"), function (d) {
      d.open = false;
      d.removeAttribute("data-lr-printed");
    });
  });

  function setup(root) {
    loadEntries(root);
    var tables = (root || document).querySelectorAll("table[data-lr-sortable]");
    Array.prototype.forEach.call(tables, function (table, number) {
      if (table.getAttribute("data-lr-ready")) return;
      table.setAttribute("data-lr-ready", "1");
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
        var button = th.querySelector("button.lr-sort");
        if (!button) return;
        button.addEventListener("click", function () { sortTable(table, index, th.getAttribute("data-type")); });
      });
      addTools(table, number);
    });
    /* Material's search panel is a dialog without a name (axe: aria-dialog-name). */
    Array.prototype.forEach.call((root || document).querySelectorAll(".md-search[role='dialog']"), function (el) {
      if (!el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) el.setAttribute("aria-label", "Search");
    });
  }

  /* Citation previews: CSS shows them on hover and focus; here they are pinned (position: fixed) below the citation,
     or above it near the bottom of the screen, and kept inside the viewport, so that neither the edge of a phone's
     screen nor a table's scroll box cuts them. */
  var MARGIN = 8, GAP = 4, current = null;

  /* The preview is built on first use from the entries the citation's aria-describedby names (the page's own
     reference list), so each reference is written into the page once, not once per citation. */
  function buildTip(cite) {
    var link = cite.querySelector(".lr-cite-link");
    var ids = link ? (link.getAttribute("aria-describedby") || "").split(/\s+/) : [];
    var tip = document.createElement("span");
    tip.className = "lr-tip";
    tip.setAttribute("role", "tooltip");
    tip.id = cite.id + "-tip";
    ids.forEach(function (id) {
      var text = id && document.getElementById(id);
      if (!text) return;
      var item = text.closest("li");
      var entry = document.createElement("span");
      entry.className = "lr-tip-entry";
      var number = item && item.getAttribute("value");
      if (number) {
        var bold = document.createElement("b");
        bold.textContent = number + ". ";
        entry.appendChild(bold);
      }
      Array.prototype.forEach.call(text.childNodes, function (node) { entry.appendChild(node.cloneNode(true)); });
      tip.appendChild(entry);
    });
    if (!tip.childNodes.length) return null;
    cite.appendChild(tip);
    return tip;
  }

  function placeTip(cite) {
    var tip = cite.querySelector(".lr-tip") || buildTip(cite);
    if (!tip) return;
    var link = cite.querySelector(".lr-cite-link") || cite;
    tip.classList.add("lr-tip--placed");
    var hidden = window.getComputedStyle(tip).display === "none";
    if (hidden) { tip.style.visibility = "hidden"; tip.style.display = "block"; }
    var anchor = link.getBoundingClientRect();
    var width = tip.offsetWidth, height = tip.offsetHeight;
    var vw = document.documentElement.clientWidth, vh = window.innerHeight;
    var left = Math.max(MARGIN, Math.min(anchor.left, vw - MARGIN - width));
    var top = anchor.bottom + GAP, above = false;
    if (top + height > vh - MARGIN && anchor.top - GAP - height >= MARGIN) {
      top = anchor.top - GAP - height;
      above = true;
    }
    tip.style.left = Math.round(left) + "px";
    tip.style.top = Math.round(top) + "px";
    tip.classList.toggle("lr-tip--above", above);
    if (hidden) { tip.style.display = ""; tip.style.visibility = ""; }
    current = cite;
  }

  function citeOf(target) {
    return target && target.closest ? target.closest(".lr-cite") : null;
  }

  document.addEventListener("mouseover", function (event) {
    var cite = citeOf(event.target);
    if (cite && !(event.relatedTarget && cite.contains(event.relatedTarget))) placeTip(cite);
  });
  document.addEventListener("focusin", function (event) {
    var cite = citeOf(event.target);
    if (cite) placeTip(cite);
  });
  function replace() {
    if (!current) return;
    var tip = current.querySelector(".lr-tip");
    if (tip && window.getComputedStyle(tip).display !== "none") placeTip(current);
  }
  window.addEventListener("scroll", replace, { capture: true, passive: true });
  window.addEventListener("resize", replace, { passive: true });

  /* Per-entry BibTeX/RIS on the bibliography page: the link points at the whole library (works without
     JavaScript); with bibliography/entries.js loaded, a click downloads just that entry. */
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[data-lr-entry]") : null;
    var entries = window.litreviewEntries;
    if (!link || !entries) return;
    var entry = entries[link.getAttribute("data-lr-entry")];
    var format = link.getAttribute("data-lr-format");
    if (!entry || !entry[format]) return;
    event.preventDefault();
    var type = format === "bib" ? "application/x-bibtex" : "application/x-research-info-systems";
    var url = URL.createObjectURL(new Blob([entry[format]], { type: type + ";charset=utf-8" }));
    var temp = document.createElement("a");
    temp.href = url;
    temp.download = entry.file + "." + format;
    document.body.appendChild(temp);
    temp.click();
    document.body.removeChild(temp);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  });

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(function () { setup(document); });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setup(document); });
  } else {
    setup(document);
  }
})();
