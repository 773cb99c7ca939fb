"""The report page's inline style and script (kept apart from html.py's Python).

The script sorts tables (first click: numbers worst first, text A-Z; arrows via aria-sort),
filters to failing rows, and builds each layer's row table when it is opened, from the
gzipped JSON embedded in the page (DecompressionStream), 100 rows at a time.
"""

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:1em auto;max-width:1240px;padding:0 12px;color:#222}
h1{margin:.2em 0} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
h3{margin:1.2em 0 .3em}
table{border-collapse:collapse;margin:.5em 0;font-size:12px;width:100%}
th,td{border:1px solid #ddd;padding:2px 5px;text-align:left;vertical-align:top;overflow-wrap:break-word}
td.t{overflow-wrap:anywhere}
th{background:#f3f3f3;font-weight:600}
th[title]{text-decoration:underline dotted #999;text-underline-offset:3px}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th::after{content:"\\a0\\2195";color:#bbb}
table.sortable th[aria-sort=ascending]::after{content:"\\a0\\25B2";color:#222}
table.sortable th[aria-sort=descending]::after{content:"\\a0\\25BC";color:#222}
td.n,th.n{text-align:right} td{font-variant-numeric:tabular-nums}
tr.fail td{background:#fde8e8}
body.failonly table.rows tbody tr:not(.fail){display:none}
body.failonly details.layer:not(.hasfail){display:none}
.verdict{padding:.6em 1em;border-radius:6px;border:2px solid}
.verdict p{margin:.3em 0} .verdict .big{font-size:18px;font-weight:bold}
.ok{background:#eef8ee;border-color:#3c8d3c;color:#14501a}
.bad{background:#fdecec;border-color:#c62828;color:#7a0d0d}
.verdict code,.mono{font-family:ui-monospace,monospace;font-size:12.5px;overflow-wrap:anywhere}
nav{background:#f7f7f7;border:1px solid #ddd;border-radius:6px;padding:.4em 1em;margin:1em 0}
nav ol{margin:.2em 0;padding-left:1.4em;columns:2}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 1em} dt{font-weight:bold}
dd{margin:0;font-family:ui-monospace,monospace;font-size:12px;overflow-wrap:anywhere}
img{max-width:100%;height:auto} details{margin:.3em 0} summary{cursor:pointer}
.note{color:#555;font-size:12px} button{margin:.3em 0}
"""

JS = r"""
(function () {
  "use strict";
  var LIMIT = 100, DATA = JSON.parse(document.getElementById("row-data").textContent);
  function keyOf(text, numeric) {
    var t = text.trim();
    if (t === "" || t === "-") return null;
    if (!numeric) return t.toLowerCase();
    if (t === "ref ~ 0" || t === "inf") return Infinity;
    var n = parseFloat(t);
    return isNaN(n) ? null : n;
  }
  function cmp(a, b, dir) {                       // missing values last in both directions
    if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
    return (a < b ? -1 : a > b ? 1 : 0) * dir;
  }
  function direction(th) {                        // first click: numbers descending, text A-Z
    var now = th.getAttribute("aria-sort");
    if (!now) return th.classList.contains("n") ? -1 : 1;
    return now === "descending" ? 1 : -1;
  }
  function order(items, dir) {                    // items: [key, index, payload]
    items.sort(function (a, b) { return cmp(a[0], b[0], dir) || a[1] - b[1]; });
    return items.map(function (it) { return it[2]; });
  }
  function mark(th, dir) {
    Array.prototype.forEach.call(th.parentNode.cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
  }
  function sortStatic(th, dir) {
    var body = th.closest("table").tBodies[0], col = th.cellIndex, num = th.classList.contains("n");
    var rows = order(Array.prototype.map.call(body.rows, function (tr, i) {
      return [keyOf(tr.cells[col].textContent, num), i, tr];
    }), dir);
    var frag = document.createDocumentFragment();
    rows.forEach(function (tr) { frag.appendChild(tr); });
    body.appendChild(frag);
  }
  function esc(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function Lazy(details) {
    this.table = details.querySelector("table");
    this.note = details.querySelector(".note");
    this.more = details.querySelector("button");
    this.rows = null; this.all = false; this.table.lazy = this;
    if (!this.table.tHead.rows.length)
      this.table.tHead.appendChild(document.getElementById("row-head").content.cloneNode(true));
    this.cls = Array.prototype.map.call(this.table.tHead.rows[0].cells, function (h) {
      return h.className ? '<td class="' + h.className + '">' : "<td>";
    });
    var self = this;
    this.more.addEventListener("click", function () { self.all = true; self.render(); });
  }
  Lazy.prototype.load = function (b64) {
    var self = this, bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(function (text) {
      self.rows = JSON.parse(text); self.render();
    });
  };
  Lazy.prototype.render = function () {
    if (!this.rows) return;
    var only = document.body.classList.contains("failonly"), last = this.rows[0] ? this.rows[0].length - 1 : 0;
    var rows = only ? this.rows.filter(function (r) { return r[last]; }) : this.rows;
    var shown = this.all ? rows : rows.slice(0, LIMIT), cls = this.cls;
    this.table.tBodies[0].innerHTML = shown.map(function (r) {
      return (r[last] ? '<tr class="fail">' : "<tr>") + r.slice(0, last).map(function (c, j) {
        return cls[j] + esc(c) + "</td>";
      }).join("") + "</tr>";
    }).join("");
    this.note.textContent = shown.length < rows.length
      ? "Showing " + shown.length + " of " + rows.length + " rows in the current order." : rows.length + " rows.";
    this.more.hidden = shown.length >= rows.length;
  };
  Lazy.prototype.sort = function (th, dir) {
    var col = th.cellIndex, num = th.classList.contains("n");
    this.rows = order(this.rows.map(function (r, i) { return [keyOf(r[col], num), i, r]; }), dir);
    this.render();
  };
  document.addEventListener("click", function (ev) {
    var th = ev.target.closest("table.sortable th");
    if (!th) return;
    var dir = direction(th), lazy = th.closest("table").lazy;
    if (lazy) { if (!lazy.rows) return; lazy.sort(th, dir); } else sortStatic(th, dir);
    mark(th, dir);
  });
  document.querySelectorAll("details.layer").forEach(function (d) {
    d.addEventListener("toggle", function () {
      if (!d.open || d.lazy) return;
      d.lazy = new Lazy(d);
      d.lazy.load(DATA[d.getAttribute("data-layer")]).catch(function (e) {
        d.lazy.note.textContent = "Could not unpack the rows (" + e + "): they are in parity_report.json.gz.";
      });
    });
  });
  var box = document.getElementById("failonly");
  box.addEventListener("change", function () {
    document.body.classList.toggle("failonly", box.checked);
    document.querySelectorAll("details.layer").forEach(function (d) { if (d.lazy) d.lazy.render(); });
  });
})();
"""
