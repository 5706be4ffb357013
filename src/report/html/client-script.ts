/**
 * The report page's script, as text inlined into the page (allowed by its hash in the page's
 * Content-Security-Policy). It runs in the browser with d3-hierarchy's UMD bundle (`d3`) loaded before
 * it, reads the report data from the page's JSON block and draws everything with DOM calls and
 * textContent, never innerHTML: file names are hostile input.
 *
 * Kept as plain ES5-style JavaScript in a string (no template literals inside) so that what the
 * browser runs is exactly this text, whatever compiles the TypeScript around it.
 */
export const CLIENT_SCRIPT = `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("imgdiet-data").textContent);
  var SVGNS = "http://www.w3.org/2000/svg";
  var CLASS_COLORS = {
    "package-manager": "#e15759", "toolchain": "#f28e2b", "docs": "#edc948", "shell": "#b07aa1",
    "app": "#59a14f", "elf-static": "#4e79a7", "elf-dynamic": "#76b7b2", "elf-library": "#9c755f", "other": "#bab0ac"
  };
  var LAYER_COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6", "#d37295", "#a0cbe8"];
  var mode = "class";
  var treemaps = [];
  var tooltip;

  /* Sizes as docker images prints them (the same rule as imgdiet's units.ts). */
  function humanSize(bytes) {
    var units = ["B", "kB", "MB", "GB", "TB"];
    var v = bytes, i = 0;
    while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
    var s = i === 0 ? String(v) : v.toPrecision(3);
    if (s.indexOf(".") >= 0) s = s.replace(/\\.?0+$/, "");
    return s + units[i];
  }
  function pct(x) { return (x * 100).toFixed(1) + "%"; }
  function times(x) { return (x >= 100 ? String(Math.round(x)) : x.toFixed(1)) + "\\u00d7"; }
  function count(n) { return n.toLocaleString("en-US"); }

  function h(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  /* Append one child and return it (add returns the parent). */
  function put(parent, child) { parent.appendChild(child); return child; }
  function s(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    return e;
  }
  function card(id, title, lead) {
    var c = h("section", "card");
    c.id = id;
    add(c, h("h2", null, title), lead ? h("p", "lead", lead) : null);
    document.getElementById("main").appendChild(c);
    return c;
  }
  function swatch(color) { var w = h("span", "sw"); w.style.background = color; return w; }

  function classOf(i) { return data.classes[i] || { id: "other", title: "Everything else" }; }
  function classColor(i) { return CLASS_COLORS[classOf(i).id] || "#bab0ac"; }
  function layerColor(i) { return i < LAYER_COLORS.length ? LAYER_COLORS[i] : "hsl(" + Math.round((i * 137.5) % 360) + ",52%,58%)"; }
  /* Slim's verdict: green kept, red removed, a mix for what is partly kept. */
  var KEPT = [63, 154, 85], REMOVED = [232, 150, 142];
  function keptColor(d) {
    if (d.kept === undefined) return "#cfd5dd";
    var f = d.size > 0 ? d.kept / d.size : 1, c = [];
    for (var i = 0; i < 3; i++) c.push(Math.round(REMOVED[i] + (KEPT[i] - REMOVED[i]) * f));
    return "rgb(" + c.join(",") + ")";
  }
  function colorOf(d) { return mode === "class" ? classColor(d.cls) : mode === "layer" ? layerColor(d.layer) : keptColor(d); }
  function layerText(view, i) {
    for (var k = 0; k < view.layers.length; k++) if (view.layers[k].index === i) return "#" + i + " " + view.layers[k].createdBy;
    return "#" + i;
  }

  /* ---------- tooltip ---------- */
  function showTip(ev, lines) {
    tooltip.textContent = "";
    add(tooltip, h("div", "p", lines[0]), h("div", "s", lines[1]));
    for (var i = 2; i < lines.length; i++) add(tooltip, h("div", "m", lines[i]));
    tooltip.style.display = "block";
    var x = ev.clientX + 14, y = ev.clientY + 14;
    var r = tooltip.getBoundingClientRect();
    if (x + r.width > window.innerWidth - 8) x = Math.max(8, ev.clientX - r.width - 14);
    if (y + r.height > window.innerHeight - 8) y = Math.max(8, ev.clientY - r.height - 14);
    tooltip.style.left = x + "px";
    tooltip.style.top = y + "px";
  }
  function hideTip() { tooltip.style.display = "none"; }

  /* ---------- treemap ---------- */
  function link(d, parent) {
    d._parent = parent;
    d._path = !parent ? "/" : (parent._path === "/" ? "/" : parent._path + "/") + d.name;
    var c = d.children || [];
    for (var i = 0; i < c.length; i++) link(c[i], d);
  }
  function Treemap(host, view, height) {
    var self = this;
    this.view = view;
    this.height = height;
    this.host = host;
    link(view.tree, null);
    this.focus = view.tree;
    this.crumbs = put(host, h("nav", "crumbs"));
    this.svg = put(host, s("svg", { "class": "treemap", "role": "img" }));
    this.svg.setAttribute("aria-label", "Treemap of the files of " + view.reference);
    add(host, h("div", "hint", "Click a directory to zoom in, a path above to zoom out (or press Escape). Area is size."));
    this.svg.addEventListener("mousemove", function (ev) {
      var n = ev.target && ev.target._node;
      if (!n) { hideTip(); return; }
      showTip(ev, self.describe(n.data));
    });
    this.svg.addEventListener("mouseleave", hideTip);
    this.svg.addEventListener("click", function (ev) {
      var n = ev.target && ev.target._node;
      if (!n) return;
      if (n.data.children && n.data.children.length) self.zoom(n.data);
      else if (n.parent && n.parent.data !== self.focus) self.zoom(n.parent.data);
    });
    this.render();
  }
  Treemap.prototype.describe = function (d) {
    var total = this.view.tree.size || 1;
    var where = d.kind === "folded" ? d.name + " in " + (d._parent ? d._parent._path : "/") : d._path + (d.children ? "/" : "");
    var lines = [where, humanSize(d.size) + "  \\u00b7  " + pct(d.size / total) + " of the image"];
    if (d.kind !== "file") lines.push(count(d.files) + " file" + (d.files === 1 ? "" : "s") + (d.kind === "dir" && !d.children ? " (too small to open here)" : ""));
    lines.push((d.kind === "file" ? "" : "mostly ") + classOf(d.cls).title);
    lines.push("layer " + layerText(this.view, d.layer));
    return lines;
  };
  Treemap.prototype.zoom = function (d) {
    this.focus = d;
    hideTip();
    this.render();
  };
  Treemap.prototype.renderCrumbs = function () {
    var self = this, chain = [];
    for (var d = this.focus; d; d = d._parent) chain.unshift(d);
    this.crumbs.textContent = "";
    chain.forEach(function (d, i) {
      var label = i === 0 ? "/" : d.name;
      if (i > 1) add(self.crumbs, h("span", "sep", "/"));
      if (i === chain.length - 1) add(self.crumbs, h("span", "here", label));
      else {
        var b = h("button", null, label);
        b.type = "button";
        b.addEventListener("click", function () { self.zoom(d); });
        add(self.crumbs, b);
      }
    });
    add(self.crumbs, h("span", "hint", "  " + humanSize(this.focus.size) + " in " + count(this.focus.files) + " file" + (this.focus.files === 1 ? "" : "s")));
  };
  Treemap.prototype.render = function () {
    var W = Math.max(240, Math.floor(this.host.clientWidth)), H = this.height, svg = this.svg;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    this.renderCrumbs();
    var root = d3.hierarchy(this.focus, function (d) { return d.children; })
      .sum(function (d) { return d.children && d.children.length ? 0 : d.size; })
      .sort(function (a, b) { return b.value - a.value; });
    d3.treemap().size([W, H]).round(true).paddingInner(1).paddingOuter(2)
      .paddingTop(function (n) { return n.depth > 0 && n.x1 - n.x0 > 70 && n.y1 - n.y0 > 40 ? 17 : 2; })
      .tile(d3.treemapSquarify.ratio(1.3))(root);
    var nodes = root.descendants();
    this.rects = [];
    for (var i = 1; i < nodes.length; i++) {
      var n = nodes[i], d = n.data, w = n.x1 - n.x0, hh = n.y1 - n.y0;
      var open = !!(d.children && d.children.length);
      var r = s("rect", { x: n.x0, y: n.y0, width: Math.max(0, w), height: Math.max(0, hh), "class": "node " + (open ? "dir" : d.kind) });
      r.setAttribute("fill", colorOf(d));
      r._node = n;
      this.rects.push(r);
      svg.appendChild(r);
      if (open) {
        if (w > 70 && hh > 40) this.label(n.x0 + 4, n.y0 + 12.5, d.name + "/", humanSize(d.size), w - 8, "head");
      } else if (w > 180 && hh > 70) {
        this.label(n.x0 + 8, n.y0 + 22, d.name, null, (w - 16) * 0.75, "big");
        this.label(n.x0 + 8, n.y0 + 40, humanSize(d.size), null, w - 16, "size");
      } else if (w > 42 && hh > 15) {
        this.label(n.x0 + 4, n.y0 + 12.5, d.name, null, w - 8, null);
        if (hh > 29) this.label(n.x0 + 4, n.y0 + 25.5, humanSize(d.size), null, w - 8, "size");
      }
    }
  };
  Treemap.prototype.label = function (x, y, text, extra, width, cls) {
    var max = Math.floor(width / 6.4);
    var t = extra ? text + "  " + extra : text;
    if (t.length > max) t = max > 2 ? t.slice(0, max - 1) + "\\u2026" : "";
    if (!t) return;
    var e = s("text", { x: x, y: y });
    if (cls) e.setAttribute("class", cls);
    e.textContent = t;
    this.svg.appendChild(e);
  };
  Treemap.prototype.recolor = function () {
    for (var i = 0; i < this.rects.length; i++) this.rects[i].setAttribute("fill", colorOf(this.rects[i]._node.data));
  };

  /* ---------- legend and colour switch ---------- */
  function renderLegend(box) {
    box.textContent = "";
    var v = data.image;
    if (mode === "class") {
      v.classes.slice().sort(function (a, b) { return b.bytes - a.bytes; }).forEach(function (c) {
        add(box, add(h("span"), swatch(classColor(c.cls)), document.createTextNode(classOf(c.cls).title + " " + humanSize(c.bytes))));
      });
    } else if (mode === "kept") {
      add(box, add(h("span"), swatch(keptColor({ size: 1, kept: 1 })), document.createTextNode("kept by slim")));
      add(box, add(h("span"), swatch(keptColor({ size: 1, kept: 0 })), document.createTextNode("removed")));
      add(box, add(h("span"), swatch(keptColor({ size: 2, kept: 1 })), document.createTextNode("partly kept (shade = share kept)")));
    } else {
      v.layers.forEach(function (l) {
        var item = add(h("span"), swatch(layerColor(l.index)), document.createTextNode("#" + l.index + " " + humanSize(l.size)));
        item.title = l.createdBy;
        add(box, item);
      });
    }
  }
  function colourSwitch(legend) {
    var sw = h("div", "switch");
    sw.setAttribute("role", "group");
    var modes = [["class", "Content class"], ["layer", "Layer"]];
    if (data.slim) modes.push(["kept", "Kept by slim"]);
    modes.forEach(function (o) {
      var b = h("button", o[0] === mode ? "on" : "", o[1]);
      b.type = "button";
      b.setAttribute("data-mode", o[0]);
      b.addEventListener("click", function () {
        mode = o[0];
        Array.prototype.forEach.call(sw.children, function (x) { x.className = x.getAttribute("data-mode") === mode ? "on" : ""; });
        treemaps.forEach(function (t) { t.recolor(); });
        renderLegend(legend);
      });
      add(sw, b);
    });
    return sw;
  }

  /* ---------- sections ---------- */
  function tile(parent, value, key, tone) {
    var t = add(h("div", "tile" + (tone ? " " + tone : "")), h("div", "v", value), h("div", "k", key));
    parent.appendChild(t);
  }
  function renderHeader() {
    var v = data.image, head = document.getElementById("top");
    var kicker = { analyze: "imgdiet report", slim: "imgdiet slim report", diet: "imgdiet diet report" }[data.kind];
    add(head, h("div", "kicker", kicker), h("h1", null, v.reference),
      h("div", "sub", v.imageId.slice(0, 19) + "  \\u00b7  " + v.platform + (v.command ? "  \\u00b7  runs: " + v.command : "")));
    var tiles = put(head, h("div", "tiles"));
    tile(tiles, humanSize(v.size), "size, as docker images shows it");
    if (data.after) {
      var f = data.after.size > 0 ? v.size / data.after.size : 0;
      tile(tiles, humanSize(data.after.size), "after (" + times(f) + " smaller)", "good");
    }
    tile(tiles, count(v.files), "files");
    tile(tiles, String(v.layers.length), v.layers.length === 1 ? "layer" : "layers");
    if (v.efficiency) {
      var e = v.efficiency;
      tile(tiles, pct(e.score), "efficiency (dive)", e.score >= 0.95 ? "good" : e.score >= 0.8 ? "warn" : "bad");
      tile(tiles, humanSize(e.wastedBytes), "wasted (dive)", e.wastedBytes > 0 ? "warn" : "good");
      tile(tiles, humanSize(e.unreachableBytes), "unreachable", e.unreachableBytes > 0 ? "bad" : "good");
    }
    var saving = 0;
    v.findings.forEach(function (x) { saving += x.saving || 0; });
    if (v.findings.length) tile(tiles, String(v.findings.length), "findings, up to " + humanSize(saving) + " to save", "warn");
  }

  /* The two panels are drawn at the same size; these bars show the sizes to scale. */
  function toScale(parent, pairs) {
    var grid = put(parent, h("div", "bars scale")), max = 1;
    pairs.forEach(function (p) { max = Math.max(max, p[1].size); });
    pairs.forEach(function (p, i) {
      var fill = h("div", "fill");
      fill.style.width = (100 * p[1].size / max).toFixed(3) + "%";
      fill.style.background = i === 0 ? "#8a96a8" : "#59a14f";
      add(grid, h("div", "idx", p[0]), add(h("div", "track"), fill), h("div", "num", humanSize(p[1].size)), h("div", "what mono", p[1].reference));
    });
  }
  function treemapPanel(parent, title, view, height) {
    var p = put(parent, h("div", "panel"));
    add(p, add(h("h3"), h("span", null, title), h("span", "size", humanSize(view.size) + " \\u00b7 " + count(view.files) + (view.files === 1 ? " file" : " files"))));
    var holder = put(p, h("div", "treemap-holder"));
    holder.setAttribute("data-view", title);
    treemaps.push(new Treemap(holder, view, height));
  }
  function renderFilesystem() {
    var c = card("filesystem", "Where the bytes are", "The merged filesystem, one rectangle per file or directory, area proportional to size. Small files are grouped per directory.");
    var bar = put(c, h("div", "toolbar"));
    var legend = h("div", "legend");
    add(bar, colourSwitch(legend), legend);
    renderLegend(legend);
    if (data.after) toScale(c, [["Before", data.image], ["After", data.after]]);
    var panels = put(c, h("div", data.after ? "panels two" : "panels"));
    if (data.after) {
      treemapPanel(panels, "Before: " + data.image.reference, data.image, 440);
      treemapPanel(panels, "After: " + data.after.reference, data.after, 440);
    } else treemapPanel(panels, data.image.reference, data.image, 560);
  }

  function layerBars(parent, view) {
    var grid = put(parent, h("div", "bars"));
    var max = 1;
    view.layers.forEach(function (l) { max = Math.max(max, l.size); });
    view.layers.forEach(function (l) {
      var fill = h("div", "fill");
      fill.style.width = (100 * l.size / max).toFixed(2) + "%";
      fill.style.background = layerColor(l.index);
      var what = h("div", "what mono", l.createdBy || "(no history)");
      what.title = l.createdBy + "\\n+" + l.added + " added, ~" + l.modified + " modified, -" + l.removed + " removed";
      add(grid, h("div", "idx", "#" + l.index), add(h("div", "track"), fill), h("div", "num", humanSize(l.size)), what);
    });
  }
  function renderLayers() {
    var c = card("layers", "Layers", "Each layer's size and the instruction that made it (hover for the full text and what it changed).");
    layerBars(c, data.image);
  }

  function stat(parent, value, key, detail) {
    add(parent, add(h("div", "stat"), h("div", "v", value), h("div", "k", key), h("div", "d", detail)));
  }
  function renderWaste() {
    var e = data.image.efficiency;
    if (!e) return;
    var c = card("waste", "Waste", "Bytes a layer ships that a later layer overwrites or deletes.");
    var st = put(c, h("div", "stats"));
    stat(st, pct(e.score), "Efficiency", "dive's score: smallest copy of each path over all copies (100% = no waste).");
    stat(st, humanSize(e.wastedBytes), "Wasted", "dive's figure: every copy of every path that more than one layer holds.");
    stat(st, pct(e.userWastedPercent), "Of the user layers", "Wasted bytes over the bytes of all layers but the base.");
    stat(st, humanSize(e.unreachableBytes), "Truly unreachable", "Shipped in some layer yet invisible in the image: overwritten or deleted later. Squashing or a multi-stage build removes exactly these.");
    if (!e.inefficientPaths.length) { add(c, h("p", "empty", "No path is held by more than one layer.")); return; }
    add(c, h("h3", null, "Paths held by several layers"));
    var t = put(c, h("table"));
    add(t, add(h("tr"), h("th", null, "path"), h("th", "num", "copies"), h("th", "num", "all copies")));
    e.inefficientPaths.forEach(function (p) {
      add(t, add(h("tr"), h("td", "path", p.path), h("td", "num", String(p.copies)), h("td", "num", humanSize(p.cumulativeSize))));
    });
  }

  function renderFindings() {
    var f = data.image.findings;
    var c = card("findings", "Findings", "What makes the image fat and what removing it would save, largest saving first.");
    if (!f.length) { add(c, h("p", "empty", "No findings.")); return; }
    var t = put(c, h("table"));
    add(t, add(h("tr"), h("th", null, "severity"), h("th", null, "finding"), h("th", null, "where"), h("th", "num", "saving")));
    f.forEach(function (x) {
      var loc = x.location, where = "";
      if (loc.kind === "image") where = (loc.path || "") + (loc.layer && loc.layer.index !== undefined ? (loc.path ? "  " : "") + "layer #" + loc.layer.index : "");
      else where = loc.file + ":" + loc.range.start.line;
      var what = add(h("td"), h("strong", null, x.title), h("div", "msg", x.message), x.fix ? h("div", "fix", "Fix: " + x.fix) : null);
      add(t, add(h("tr"), add(h("td"), h("span", "badge " + x.severity, x.severity)), what, h("td", "path", where), h("td", "num", x.saving ? humanSize(x.saving) : "")));
    });
  }

  function renderClasses() {
    var v = data.image;
    var c = card("classes", "What kind of content", "Every file falls in the first class that matches it.");
    var total = 0;
    v.classes.forEach(function (k) { total += k.bytes; });
    var sorted = v.classes.slice().sort(function (a, b) { return b.bytes - a.bytes; });
    var stack = put(c, h("div", "stack"));
    sorted.forEach(function (k) {
      var seg = h("div");
      seg.style.width = (100 * k.bytes / (total || 1)).toFixed(3) + "%";
      seg.style.background = classColor(k.cls);
      seg.title = classOf(k.cls).title + ": " + humanSize(k.bytes);
      add(stack, seg);
    });
    var t = put(c, h("table"));
    add(t, add(h("tr"), h("th", null, "class"), h("th", "num", "size"), h("th", "num", "share"), h("th", "num", "files")));
    sorted.forEach(function (k) {
      add(t, add(h("tr"), add(h("td"), swatch(classColor(k.cls)), document.createTextNode(classOf(k.cls).title)), h("td", "num", humanSize(k.bytes)), h("td", "num", pct(k.bytes / (total || 1))), h("td", "num", count(k.files))));
    });
  }

  function renderSlim() {
    var r = data.slim;
    if (!r) return;
    var c = card("slim", "Slim: what was removed, and why each kept file stays",
      r.source + " \\u2192 " + r.output + (r.written ? "" : " (not written)"));
    var st = put(c, h("div", "stats"));
    stat(st, humanSize(r.originalSize) + " \\u2192 " + humanSize(r.size), "Size", (r.size > 0 ? times(r.originalSize / r.size) : "\\u221e") + " smaller");
    stat(st, count(r.keptTotal), "Paths kept", "each with the reason it stays, below");
    stat(st, count(r.removed.files) + " files", "Removed", humanSize(r.removed.bytes));
    stat(st, r.verified === null ? "not verified" : r.verified ? "verified" : "differs", "Verification",
      r.verified === null ? "static only, or --no-verify" : r.verified ? "every probe gives the same result" : (r.firstDifference || "a probe differs"));
    r.notes.forEach(function (n) { add(c, h("p", "hint", "Note: " + n)); });
    add(c, h("h3", null, "Removed, by class"));
    var grid = put(c, h("div", "bars")), max = 1;
    r.removed.byClass.forEach(function (k) { max = Math.max(max, k.bytes); });
    r.removed.byClass.forEach(function (k) {
      var fill = h("div", "fill");
      fill.style.width = (100 * k.bytes / max).toFixed(2) + "%";
      fill.style.background = "#e15759";
      add(grid, h("div", "idx", count(k.files)), add(h("div", "track"), fill), h("div", "num", humanSize(k.bytes)), h("div", "what", k.title));
    });
    add(c, h("h3", null, "Removed, by directory"));
    var t = put(c, h("table"));
    add(t, add(h("tr"), h("th", null, "directory"), h("th", "num", "files"), h("th", "num", "size")));
    r.removed.byDirectory.forEach(function (d) { add(t, add(h("tr"), h("td", "path", d.path), h("td", "num", count(d.files)), h("td", "num", humanSize(d.bytes)))); });
    add(c, h("h3", null, "Why each kept file stays" + (r.kept.length < r.keptTotal ? " (largest " + r.kept.length + " of " + r.keptTotal + ")" : "")));
    var filter = put(c, h("input", "filter"));
    filter.type = "search";
    filter.placeholder = "filter by path or reason";
    var box = put(c, h("div", "scroll"));
    var kt = put(box, h("table"));
    add(kt, add(h("tr"), h("th", null, "path"), h("th", "num", "size"), h("th", null, "why it stays")));
    var rows = r.kept.map(function (k) {
      var tr = add(h("tr"), h("td", "path", k.path), h("td", "num", k.size ? humanSize(k.size) : ""), h("td", null, k.reasons.join("; ")));
      add(kt, tr);
      return { tr: tr, text: (k.path + " " + k.reasons.join(" ")).toLowerCase() };
    });
    filter.addEventListener("input", function () {
      var q = filter.value.toLowerCase();
      rows.forEach(function (x) { x.tr.style.display = x.text.indexOf(q) >= 0 ? "" : "none"; });
    });
  }

  function renderDiet() {
    var r = data.diet;
    if (!r) return;
    var c = card("diet", "Diet leaderboard", r.target + "  \\u00b7  original " + r.original.image + " " + humanSize(r.original.size) + "  \\u00b7  probes: " + r.probes.join(", "));
    r.missing.forEach(function (m) { add(c, h("p", "hint", m)); });
    var t = put(c, h("table"));
    add(t, add(h("tr"), h("th", null, "#"), h("th", null, "strategy"), h("th", null, "status"), h("th", "num", "size"), h("th", null, ""), h("th", "num", "smaller"), h("th", "num", "time"), h("th", null, "image / details")));
    var rank = 0;
    r.leaderboard.forEach(function (row) {
      var bar = h("div", "track"), fill = h("div", "fill");
      if (row.size !== undefined) {
        fill.style.width = Math.min(100, 100 * row.size / Math.max(1, r.original.size)).toFixed(2) + "%";
        fill.style.background = row.verified ? "#59a14f" : "#bab0ac";
        add(bar, fill);
      }
      bar.title = "to scale: the original is the full bar";
      var status = row.status === "not applicable" ? "na" : row.status;
      var tr = add(h("tr", row.winner ? "winner" : ""),
        h("td", "num", row.status === "verified" ? String(++rank) : "\\u2013"),
        h("td", null, row.strategy + (row.basedOn ? " (on " + row.basedOn + ")" : "") + (row.winner ? "  \\u2605 winner" : "")),
        add(h("td"), h("span", "badge " + status, row.status)),
        h("td", "num", row.size !== undefined ? humanSize(row.size) : ""),
        add(h("td"), bar),
        h("td", "num", row.reduction ? times(row.reduction) : ""),
        h("td", "num", row.seconds.toFixed(1) + "s"),
        add(h("td"), h("div", "path", row.image || ""), row.detail ? h("div", "msg", row.detail) : null));
      add(t, tr);
    });
  }

  function renderFooter() {
    add(document.body, h("footer", null, "Made by imgdiet " + data.tool + ". This page is self-contained and makes no network request."));
  }

  tooltip = h("div");
  tooltip.id = "tooltip";
  add(document.body, tooltip);
  renderHeader();
  renderFilesystem();
  if (data.diet) renderDiet();
  if (data.slim) renderSlim();
  renderLayers();
  renderWaste();
  renderFindings();
  renderClasses();
  renderFooter();
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    treemaps.forEach(function (t) { if (t.focus._parent) t.zoom(t.focus._parent); });
  });
  var pending = 0;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { treemaps.forEach(function (t) { t.render(); }); }, 120);
  });
  document.documentElement.setAttribute("data-ready", "true");
})();
`;
