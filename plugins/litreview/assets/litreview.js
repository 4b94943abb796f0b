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

  function sortTable(table, index, type) {
    var header = table.tHead.rows[0].cells[index];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var numeric = NUMERIC.indexOf(type) >= 0;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      if (x === "" && y === "") return 0;
      if (x === "") return 1;        /* empty cells last, whatever the direction */
      if (y === "") return -1;
      var result = numeric ? compareNumeric(x, y) : x.localeCompare(y);
      return ascending ? result : -result;
    });
    rows.forEach(function (row) { body.appendChild(row); });
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

  function setup(root) {
    loadEntries(root);
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
