"use strict";
// schedbench report viewer: hash routes, tables, SVG charts. Data come from data/*.js (SB.load); every
// number was computed in Python. Text from data is always inserted as text (textContent), never as HTML.
(function () {
  const SB = (window.SB = {
    data: {},
    waiting: {},
    load(name, payload) {
      SB.data[name] = payload;
      (SB.waiting[name] || []).forEach((resolve) => resolve(payload));
      delete SB.waiting[name];
    },
    need(name) {
      if (name in SB.data) return Promise.resolve(SB.data[name]);
      return new Promise((resolve, reject) => {
        const first = !SB.waiting[name];
        (SB.waiting[name] = SB.waiting[name] || []).push(resolve);
        if (!first) return;
        const tag = document.createElement("script");
        tag.src = "data/" + encodeURIComponent(name) + ".js";
        tag.onerror = () => reject(new Error("cannot load data/" + name + ".js"));
        document.head.append(tag);
      });
    },
  });

  // ---- DOM helpers: text is always a text node -------------------------------------------------------
  const SVG_NS = "http://www.w3.org/2000/svg";
  function put(el, attrs, kids) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const kid of kids.flat(Infinity)) {
      if (kid === null || kid === undefined || kid === false) continue;
      el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return el;
  }
  const h = (tag, attrs, ...kids) => put(document.createElement(tag), attrs, kids);
  const s = (tag, attrs, ...kids) => put(document.createElementNS(SVG_NS, tag), attrs, kids);
  const main = () => document.getElementById("main");
  function announce(text) {
    document.getElementById("status").textContent = text;
  }
  function fmt(v, digits) {
    if (v === null || v === undefined || (typeof v === "number" && isNaN(v))) return "–";
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(digits === undefined ? 3 : digits);
    if (typeof v === "boolean") return v ? "yes" : "no";
    return String(v);
  }
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#7f7f7f", "#F0E442"];
  const DASHES = ["", "6 3", "2 3", "9 3 2 3"];
  const link = (route, ...kids) => h("a", { href: "#" + route }, ...kids);
  const route = (path, params) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) if (v !== null && v !== undefined && v !== "") q.set(k, v);
    const qs = q.toString();
    return path + (qs ? "?" + qs : "");
  };
  let chartId = 0;

  // a table: header strings, rows of values; `cell(value, col, row)` may return a node; sortable in place
  function table(caption, header, rows, opts) {
    opts = opts || {};
    const tbody = h("tbody");
    const fill = (list) =>
      tbody.replaceChildren(
        ...list.map((row) =>
          h(
            "tr",
            null,
            row.map((v, c) => {
              const shown = opts.cell ? opts.cell(v, c, row) : fmt(v);
              return h("td", { class: typeof v === "string" || c === 0 ? "t" : null }, shown);
            })
          )
        )
      );
    let order = { col: -1, dir: 1 };
    const ths = header.map((name, c) => {
      const th = h("th", { scope: "col", class: c === 0 ? "t" : null });
      if (opts.sortable) {
        th.setAttribute("aria-sort", "none");
        th.append(
          h("button", {
            type: "button",
            onclick: () => {
              order = { col: c, dir: order.col === c ? -order.dir : 1 };
              ths.forEach((t) => t.setAttribute("aria-sort", "none"));
              th.setAttribute("aria-sort", order.dir > 0 ? "ascending" : "descending");
              fill(sortRows(rows, (r) => r[c], order.dir));
              announce(`sorted by ${name}, ${order.dir > 0 ? "ascending" : "descending"}`);
            },
          }, name)
        );
      } else th.append(name);
      return th;
    });
    fill(rows);
    return h("table", { class: opts.cls || null }, h("caption", null, caption), h("thead", null, h("tr", null, ths)), tbody);
  }
  function sortRows(rows, key, dir) {
    return rows
      .map((r, i) => [r, i])
      .sort((a, b) => {
        const x = key(a[0]), y = key(b[0]);
        const nx = x === null || x === undefined || (typeof x === "number" && isNaN(x));
        const ny = y === null || y === undefined || (typeof y === "number" && isNaN(y));
        if (nx || ny) return nx === ny ? a[1] - b[1] : nx ? 1 : -1; // missing values last
        if (typeof x === "number" && typeof y === "number") return (x - y) * dir || a[1] - b[1];
        return String(x).localeCompare(String(y), undefined, { numeric: true }) * dir || a[1] - b[1];
      })
      .map((p) => p[0]);
  }
  const pick = (tableData, where) => {
    const head = tableData.header;
    return tableData.rows.filter((row) => Object.entries(where).every(([k, v]) => row[head.indexOf(k)] === v));
  };
  const col = (tableData, name) => tableData.header.indexOf(name);

  // ---- charts ----------------------------------------------------------------------------------------
  // F(k) curves with 95% Wilson bands; series: [{name, points: [{level, F, lo, hi}]}]
  function curveChart(title, series) {
    const levels = [...new Set(series.flatMap((sr) => sr.points.map((p) => p.level)))];
    const numeric = levels.every((l) => typeof l === "number");
    if (numeric) levels.sort((a, b) => a - b);
    const W = 640, H = 260, L = 46, R = 12, T = 12, B = 36;
    const lo = numeric ? Math.min(...levels) : 0, hi = numeric ? Math.max(...levels) : levels.length - 1;
    const x = (level) => L + ((numeric ? level : levels.indexOf(level)) - lo) / (hi - lo || 1) * (W - L - R);
    const y = (f) => T + (1 - f) * (H - T - B);
    const svg = s("svg", { class: "chart", viewBox: `0 0 ${W} ${H + 18 * series.length}`, role: "img", "aria-labelledby": `c${++chartId}t c${chartId}d` });
    svg.append(s("title", { id: `c${chartId}t` }, title));
    const desc = series.map((sr) => `${sr.name}: ` + sr.points.map((p) => `level ${p.level} F=${fmt(p.F, 2)} [${fmt(p.lo, 2)}, ${fmt(p.hi, 2)}]`).join("; "));
    svg.append(s("desc", { id: `c${chartId}d` }, desc.join(". ")));
    for (const f of [0, 0.25, 0.5, 0.75, 1]) {
      svg.append(s("line", { class: "grid", x1: L, x2: W - R, y1: y(f), y2: y(f) }));
      svg.append(s("text", { x: L - 6, y: y(f) + 4, "text-anchor": "end" }, f.toFixed(2)));
    }
    levels.forEach((l) => svg.append(s("text", { x: x(l), y: H - B + 16, "text-anchor": "middle" }, String(l))));
    svg.append(s("text", { x: (L + W) / 2, y: H - 4, "text-anchor": "middle" }, "level k"));
    series.forEach((sr, i) => {
      const colour = PALETTE[i % PALETTE.length];
      const pts = sr.points.filter((p) => p.F !== null);
      if (!pts.length) return;
      const band = pts.map((p) => `${x(p.level)},${y(p.hi)}`).concat(pts.slice().reverse().map((p) => `${x(p.level)},${y(p.lo)}`));
      svg.append(s("polygon", { points: band.join(" "), fill: colour, opacity: 0.13 }));
      svg.append(s("polyline", { class: "fk", points: pts.map((p) => `${x(p.level)},${y(p.F)}`).join(" "), fill: "none", stroke: colour, "stroke-width": 2, "stroke-dasharray": DASHES[i % DASHES.length] || null }));
      pts.forEach((p) => svg.append(s("circle", { cx: x(p.level), cy: y(p.F), r: 3, fill: colour }, s("title", null, `${sr.name}, level ${p.level}: F = ${fmt(p.F)}`))));
      const ly = H + 6 + 18 * i;
      svg.append(s("line", { x1: L, x2: L + 30, y1: ly, y2: ly, stroke: colour, "stroke-width": 2, "stroke-dasharray": DASHES[i % DASHES.length] || null }));
      svg.append(s("text", { x: L + 36, y: ly + 4 }, sr.name));
    });
    return svg;
  }

  // stacked bars of the outcome mix per level, with the same numbers in the table beside it
  function outcomeChart(title, rows, outcomes) {
    const W = 640, rowH = 20, L = 70;
    const svg = s("svg", { class: "chart", viewBox: `0 0 ${W} ${rowH * rows.length + 26}`, role: "img", "aria-label": title + " (numbers in the table)" });
    rows.forEach((r, i) => {
      const total = outcomes.reduce((a, o) => a + r[o], 0) || 1;
      let at = L;
      svg.append(s("text", { x: L - 6, y: i * rowH + 14, "text-anchor": "end" }, "level " + r.level));
      outcomes.forEach((o, k) => {
        const w = (r[o] / total) * (W - L - 10);
        if (w > 0) svg.append(s("rect", { x: at, y: i * rowH + 3, width: w, height: rowH - 6, fill: PALETTE[[2, 5, 1, 6][k]] }, s("title", null, `level ${r.level}: ${o} ${r[o]}`)));
        at += w;
      });
    });
    outcomes.forEach((o, k) => {
      const lx = L + k * 140;
      svg.append(s("rect", { x: lx, y: rowH * rows.length + 8, width: 12, height: 12, fill: PALETTE[[2, 5, 1, 6][k]] }));
      svg.append(s("text", { x: lx + 16, y: rowH * rows.length + 18 }, o));
    });
    return svg;
  }

  // best-so-far step lines: series [{name, points: [[x, y], ...]}] (y null before the first value)
  function stepChart(title, series, xName, yName) {
    const pts = series.flatMap((sr) => sr.points.filter((p) => p[1] !== null && p[1] !== undefined));
    const W = 640, H = 260, L = 56, R = 12, T = 12, B = 36;
    const svg = s("svg", { class: "chart", viewBox: `0 0 ${W} ${H + 18 * series.length}`, role: "img", "aria-labelledby": `c${++chartId}t c${chartId}d` });
    svg.append(s("title", { id: `c${chartId}t` }, title));
    const desc = series.map((sr) => {
      const got = sr.points.filter((p) => p[1] !== null && p[1] !== undefined);
      return got.length ? `${sr.name}: from ${fmt(got[0][1], 3)} at ${xName} ${got[0][0]} to ${fmt(got[got.length - 1][1], 3)} at ${xName} ${got[got.length - 1][0]}` : `${sr.name}: no value`;
    });
    svg.append(s("desc", { id: `c${chartId}d` }, desc.join(". ") + ". The numbers are also in the table below the chart."));
    if (!pts.length) return svg;
    const x0 = Math.min(0, ...pts.map((p) => p[0])), x1 = Math.max(...pts.map((p) => p[0]), x0 + 1);
    const y0 = Math.min(0, ...pts.map((p) => p[1])), top = Math.max(...pts.map((p) => p[1]), y0 + 1e-9);
    const step = niceStep(top - y0) * 2, y1 = Math.ceil(top / step) * step;
    const x = (v) => L + ((v - x0) / (x1 - x0)) * (W - L - R);
    const y = (v) => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
    for (let v = Math.ceil(y0 / step) * step; v <= y1 + 1e-12; v += step) {
      svg.append(s("line", { class: "grid", x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      svg.append(s("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, fmt(v, 2)));
    }
    const xs = niceStep(x1 - x0) * 2;
    for (let v = Math.ceil(x0 / xs) * xs; v <= x1; v += xs) svg.append(s("text", { x: x(v), y: H - B + 16, "text-anchor": "middle" }, fmt(v, 0)));
    svg.append(s("text", { x: (L + W) / 2, y: H - 4, "text-anchor": "middle" }, xName));
    svg.append(s("text", { x: 14, y: (T + H - B) / 2, "text-anchor": "middle", transform: `rotate(-90 14 ${(T + H - B) / 2})` }, yName));
    series.forEach((sr, i) => {
      const colour = PALETTE[i % PALETTE.length], dash = DASHES[i % DASHES.length] || null;
      const got = sr.points.filter((p) => p[1] !== null && p[1] !== undefined);
      if (!got.length) return;
      const path = [];
      got.forEach((p, k) => {
        if (k) path.push(`${x(p[0])},${y(got[k - 1][1])}`);
        path.push(`${x(p[0])},${y(p[1])}`);
      });
      svg.append(s("polyline", { class: "best", points: path.join(" "), fill: "none", stroke: colour, "stroke-width": 2, "stroke-dasharray": dash }));
      const ly = H + 6 + 18 * i;
      svg.append(s("line", { x1: L, x2: L + 30, y1: ly, y2: ly, stroke: colour, "stroke-width": 2, "stroke-dasharray": dash }));
      svg.append(s("text", { x: L + 36, y: ly + 4 }, sr.name));
    });
    return svg;
  }

  // the Gantt chart of a schedule view (laid out in Python) with the verifier's violations
  function gantt(view, violations) {
    const id = ++chartId;
    const rows = view.rows.length ? view.rows : ["machine"];
    const extra = view.problem === "smtt" ? 1 : 0;
    const rowH = rows.length > 40 ? 12 : rows.length > 12 ? 20 : 28, L = 120, R = 16, W = 900, T = 8;
    const profH = 64, profiles = view.profiles || [];
    const ganttH = T + rowH * (rows.length + extra);
    const H = ganttH + 30 + profiles.length * (profH + 18);
    const t0 = view.origin, t1 = Math.max(view.horizon, t0 + 1);
    const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
    const named = new Map(); // owner -> violation indexes
    violations.forEach((v, k) => (v.names || []).forEach((n) => named.set(n, (named.get(n) || []).concat([k]))));
    const owners = [...new Set(view.bars.map((b) => b[4]))];
    const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `g${id}t g${id}d`, class: "gantt" });
    const flagged = view.bars.filter((b) => named.has(b[4])).length;
    svg.append(s("title", { id: `g${id}t` }, `Gantt chart: ${view.bars.length} bars on ${rows.length} rows, time ${t0} to ${t1}`));
    svg.append(s("desc", { id: `g${id}d` }, `${flagged} bars belong to tasks named by a violation (outlined and hatched). The schedule is also listed as a table below the chart.`));
    svg.append(s("defs", null, s("pattern", { id: `hatch${id}`, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, s("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "currentColor", "stroke-width": 2.5 }))));
    svg.style.color = "var(--bad)";
    const every = Math.ceil(rows.length / 40);
    const labels = rows.concat(extra ? ["due dates"] : []);
    labels.forEach((r, i) => {
      if (i % every === 0 || i >= rows.length) svg.append(s("text", { x: L - 6, y: T + i * rowH + rowH * 0.7, "text-anchor": "end" }, r));
    });
    const step = niceStep(t1 - t0);
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      svg.append(s("line", { class: "grid", x1: x(t), x2: x(t), y1: T, y2: ganttH }));
      svg.append(s("text", { x: x(t), y: ganttH + 14, "text-anchor": "middle" }, String(t)));
    }
    svg.append(s("text", { x: L - 16, y: ganttH + 14, "text-anchor": "end" }, "time"));
    const bands = s("g", { class: "bands" });
    svg.append(bands);
    const small = view.bars.length <= 60;
    for (const [row, start, end, label, owner] of view.bars) {
      const codes = (named.get(owner) || []).map((k) => violations[k].code);
      const y0 = T + row * rowH + 2;
      const bar = s("rect", { class: "task" + (codes.length ? " viol" : ""), "data-owner": owner, x: x(start), y: y0, width: Math.max(x(end) - x(start), 1), height: rowH - 4, fill: PALETTE[owners.indexOf(owner) % PALETTE.length], "fill-opacity": 0.75 },
        s("title", null, `${label} on ${rows[row]}: [${start}, ${end})` + (codes.length ? " — " + [...new Set(codes)].join(", ") : "")));
      svg.append(bar);
      if (codes.length) svg.append(s("rect", { x: x(start), y: y0, width: Math.max(x(end) - x(start), 1), height: rowH - 4, fill: `url(#hatch${id})`, "pointer-events": "none", "aria-hidden": "true" }));
      if (small && x(end) - x(start) > 7 * label.length) svg.append(s("text", { x: (x(start) + x(end)) / 2, y: y0 + rowH * 0.55, "text-anchor": "middle", "pointer-events": "none" }, label));
    }
    if (view.problem === "smtt") {
      const yDue = T + rows.length * rowH;
      const end = Object.fromEntries(view.bars.map((b) => [b[4], b[2]]));
      for (const [job, due] of view.due) {
        svg.append(s("line", { class: "due", x1: x(due), x2: x(due), y1: yDue + 2, y2: yDue + rowH - 2 }, s("title", null, `due date of ${job}: ${due}` + (end[job] > due ? ` (late by ${end[job] - due})` : ""))));
        if (end[job] > due) {
          const bar = view.bars.find((b) => b[4] === job);
          const from = Math.max(bar[1], due);
          svg.append(s("rect", { class: "tardy", x: x(from), y: T + 2, width: x(end[job]) - x(from), height: rowH - 4, fill: `url(#hatch${id})` }, s("title", null, `${job} tardy by ${end[job] - due}`)));
        }
      }
    }
    for (const [row, release, deadline] of view.windows || []) {
      const y0 = T + row * rowH + 1, y1 = y0 + rowH - 2;
      if (release !== null) svg.append(s("path", { class: "win", d: `M${x(release) + 4},${y0} h-4 v${y1 - y0} h4` }, s("title", null, `release of ${rows[row]}: ${release}`)));
      if (deadline !== null) svg.append(s("path", { class: "win", d: `M${x(deadline) - 4},${y0} h4 v${y1 - y0} h-4` }, s("title", null, `deadline of ${rows[row]}: ${deadline}`)));
    }
    const profileTop = {};
    profiles.forEach((p, k) => {
      const top = ganttH + 30 + k * (profH + 18);
      profileTop[p.resource] = top;
      const peak = Math.max(p.capacity, ...p.steps.map((st) => st[1]), 1);
      const y = (u) => top + profH - (u / peak) * profH;
      svg.append(s("text", { x: L - 6, y: top + profH / 2, "text-anchor": "end" }, p.resource));
      svg.append(s("line", { class: "grid", x1: L, x2: W - R, y1: top + profH, y2: top + profH }));
      for (const [a, b] of p.downtime) svg.append(s("rect", { class: "down", x: x(a), y: top, width: x(b) - x(a), height: profH }, s("title", null, `${p.resource} down during [${a}, ${b})`)));
      if (p.steps.length) {
        let d = `M${x(p.steps[0][0])},${y(0)}`;
        p.steps.forEach(([t, u], i) => {
          const next = i + 1 < p.steps.length ? p.steps[i + 1][0] : t;
          d += ` L${x(t)},${y(u)} L${x(next)},${y(u)}`;
        });
        svg.append(s("path", { class: "use", d: d + ` L${x(p.steps[p.steps.length - 1][0])},${y(0)} Z` }, s("title", null, `usage of ${p.resource}`)));
      }
      svg.append(s("line", { class: "cap", x1: L, x2: W - R, y1: y(p.capacity), y2: y(p.capacity) }, s("title", null, `capacity of ${p.resource}: ${p.capacity}`)));
    });
    violations.forEach((v, k) => {
      if (!v.at) return;
      let y0 = T, hgt = ganttH - T;
      if (v.resource && v.resource in profileTop) {
        y0 = profileTop[v.resource];
        hgt = profH;
      } else if (view.problem === "jssp" && v.resource !== undefined) {
        y0 = T + Number(v.resource) * rowH;
        hgt = rowH;
      } else {
        const rowsHit = view.bars.filter((b) => (v.names || []).includes(b[4])).map((b) => b[0]);
        if (rowsHit.length) {
          y0 = T + Math.min(...rowsHit) * rowH;
          hgt = (Math.max(...rowsHit) - Math.min(...rowsHit) + 1) * rowH;
        }
      }
      const [a, b] = v.at;
      bands.append(s("rect", { class: "band", "data-v": k, x: x(a), y: y0, width: Math.max(x(b) - x(a), 2), height: hgt }, s("title", null, `${v.code} during [${a}, ${b})`)));
    });
    return {
      node: svg,
      highlight(k) {
        const names = k === null ? [] : violations[k].names || [];
        svg.querySelectorAll("rect.task").forEach((r) => r.classList.toggle("hl", names.includes(r.getAttribute("data-owner"))));
        svg.querySelectorAll("rect.band").forEach((r) => r.classList.toggle("hl", String(k) === r.getAttribute("data-v")));
        return names;
      },
    };
  }
  function niceStep(span) {
    const raw = span / 10, mag = Math.pow(10, Math.floor(Math.log10(raw || 1)));
    return [1, 2, 5, 10].map((m) => m * mag).find((st) => st >= raw) || mag * 10;
  }
  function scheduleTable(view) {
    return h("details", null, h("summary", null, "The schedule as a table"),
      table(`Schedule: ${view.bars.length} bars`, ["row", "name", "start", "end"], view.bars.map((b) => [view.rows[b[0]], b[3], b[1], b[2]])));
  }
  // violations as toggle buttons that highlight their tasks and interval in the chart
  function violationList(violations, chart) {
    if (!violations || !violations.length) return h("p", null, "No violations.");
    const buttons = violations.map((v, k) =>
      h("button", {
        type: "button", "aria-pressed": "false", "data-v": k,
        onclick: (ev) => {
          const on = ev.currentTarget.getAttribute("aria-pressed") !== "true";
          buttons.forEach((b) => b.setAttribute("aria-pressed", "false"));
          ev.currentTarget.setAttribute("aria-pressed", String(on));
          const names = chart ? chart.highlight(on ? k : null) : [];
          announce(on ? `highlighted ${v.code}: ${names.join(", ") || "no tasks"}` + (v.at ? ` during [${v.at[0]}, ${v.at[1]})` : "") : "highlight cleared");
        },
      }, h("strong", null, v.code), " ", v.message, v.at ? ` — at [${v.at[0]}, ${v.at[1]})` : "", v.resource !== undefined ? ` on ${v.resource}` : "")
    );
    return h("ul", { class: "viol", "aria-label": "Violations; press one to highlight its tasks" }, buttons.map((b) => h("li", null, b)));
  }

  // ---- views -----------------------------------------------------------------------------------------
  let IDX = null, COL = {}, STR = [];
  let currentList = null; // sample indexes of the last filtered list (for j/k)
  const val = (row, name) => row[COL[name]];
  const str = (row, name) => (val(row, name) === null ? null : STR[val(row, name)]);
  const outcomeOf = (row) => IDX.outcomes[val(row, "outcome")];

  function heading(...text) {
    return h("h1", { tabindex: "-1" }, ...text);
  }
  function metaList(pairs) {
    return h("dl", { class: "meta" }, pairs.filter((p) => p[1] !== null && p[1] !== undefined && p[1] !== "").map(([k, v]) => [h("dt", null, k), h("dd", null, v)]));
  }

  function viewHome() {
    const D = IDX.discoveries || [];
    if (IDX.runs.length === 1 && !IDX.boards.length && !D.length) return viewRun(0);
    if (!IDX.runs.length && IDX.boards.length === 1 && !D.length) return viewBoard(0);
    if (!IDX.runs.length && !IDX.boards.length && D.length === 1) return viewDiscover(0);
    return [
      heading("schedbench report"),
      IDX.runs.length ? h("section", { "aria-labelledby": "h-runs" }, h("h2", { id: "h-runs" }, "LLM runs"), h("ul", null, IDX.runs.map((r, i) => h("li", null, link(`/run/${i}`, r.label), ` — ${r.samples} samples`)))) : null,
      IDX.runs.length > 1 ? h("p", null, link("/compare/0/1", "Compare the first two runs")) : null,
      IDX.boards.length ? h("section", { "aria-labelledby": "h-boards" }, h("h2", { id: "h-boards" }, "Leaderboards"), h("ul", null, IDX.boards.map((b, i) => h("li", null, link(`/board/${i}`, b.label), ` — ${b.problem}, ${b.records.length} results`)))) : null,
      D.length ? h("section", { "aria-labelledby": "h-disc" }, h("h2", { id: "h-disc" }, "Discovery runs"), h("ul", null, D.map((d, i) => h("li", null, link(`/discover/${i}`, d.label), ` — ${d.run.problem}, ${d.run.strategy}, ${d.series.length ? d.series[d.series.length - 1].sample : 0} answers${d.run.dry_run ? " (dry run)" : ""}`)))) : null,
    ];
  }

  function fkSeries(label, problem, prefix) {
    const T = IDX.tables.feasibility;
    const out = new Map();
    for (const row of pick(T, { run: label, problem })) {
      const fam = row[col(T, "family")];
      if (!out.has(fam)) out.set(fam, { name: (prefix ? prefix + " " : "") + "family " + fam, points: [] });
      out.get(fam).points.push({ level: row[col(T, "level")], F: row[col(T, "F")], lo: row[col(T, "ci95_low")], hi: row[col(T, "ci95_high")] });
    }
    return [...out.values()];
  }

  function viewRun(r) {
    const run = IDX.runs[r], agg = IDX.aggregates[r];
    const out = [heading("LLM run ", run.label)];
    out.push(metaList([
      ["model", run.model], ["endpoint", run.endpoint], ["samples", String(run.samples)],
      ["dataset", run.dataset.map((d) => `${d.path} (sha256 ${String(d.sha256).slice(0, 16)}…)`).join("; ")],
      ["templates", run.templates.join("; ")], ["created (UTC)", run.created_utc],
      ["settings", Object.entries(run.config).map(([k, v]) => `${k}=${fmt(v)}`).join(", ")],
      ["export", run.note], ["instances", run.instances === "found" ? "found; prompts re-rendered and checked against the hash sent" : run.instances],
    ]));
    out.push(h("p", null, link(route("/samples", { run: r }), "All samples of this run"), IDX.runs.length > 1 ? [" · ", link(`/compare/${r}/${r ? 0 : 1}`, "compare with another run")] : null));
    const S = IDX.tables.summary;
    out.push(table(`Summary of ${run.label} (as summary.csv)`, S.header.slice(1), pick(S, { run: run.label }).map((x) => x.slice(1))));
    for (const [problem, a] of Object.entries(agg)) {
      const sec = h("section", { "aria-labelledby": `h-${problem}` }, h("h2", { id: `h-${problem}` }, problem));
      const F = IDX.tables.feasibility;
      const fkRows = pick(F, { run: run.label, problem });
      sec.append(h("h3", null, "F(k): share of feasible answers per level"));
      sec.append(table(`F(k) of ${problem} with 95% Wilson intervals (as feasibility.csv); request errors are not in n`, F.header.slice(2), fkRows.map((x) => x.slice(2)),
        { cell: (v, c, row) => (c === 1 ? link(route("/samples", { run: r, problem, level: v, family: row[0] }), String(v)) : fmt(v)) }));
      sec.append(curveChart(`F(k) of ${problem}, ${run.label}, with 95% Wilson bands`, fkSeries(run.label, problem)));
      sec.append(h("h3", null, "Outcome mix per level"));
      const oc = a.outcomes_by_level;
      sec.append(outcomeChart(`Outcome mix per level, ${problem}`, oc, IDX.outcomes));
      sec.append(table(`Round-0 outcomes per level, ${problem}`, ["level", ...IDX.outcomes], oc.map((x) => [x.level, ...IDX.outcomes.map((o) => x[o])]),
        { cell: (v, c, row) => (c > 0 && v > 0 ? link(route("/samples", { run: r, problem, level: row[0], outcome: IDX.outcomes[c - 1] }), String(v)) : fmt(v)) }));
      sec.append(h("h3", null, "Violation types by level"));
      const codes = [...new Set(a.violations_by_level.flatMap((x) => Object.keys(x.codes)))].sort();
      if (codes.length) {
        const peak = Math.max(1, ...a.violations_by_level.flatMap((x) => Object.values(x.codes)));
        sec.append(table(`Infeasible answers breaking each rule, per level, ${problem} (an answer counts once under each rule it breaks)`, ["level", ...codes],
          a.violations_by_level.map((x) => [x.level, ...codes.map((c) => x.codes[c] || 0)]),
          { cls: "heat", cell: (v, c, row) => {
            if (c === 0) return fmt(v);
            const cellLink = v ? link(route("/samples", { run: r, problem, level: row[0], code: codes[c - 1] }), String(v)) : "0";
            return h("span", { style: null }, cellLink);
          } }));
        // shade the heat cells (the number stays the information; colour is secondary)
        const last = sec.querySelector("table.heat");
        last.querySelectorAll("tbody tr").forEach((tr, i) => tr.querySelectorAll("td").forEach((td, c) => {
          if (c > 0) td.style.background = `rgba(var(--heat), ${(0.08 + 0.6 * ((a.violations_by_level[i].codes[codes[c - 1]] || 0) / peak)).toFixed(2)})`;
          td.classList.add("c");
        }));
      } else sec.append(h("p", null, "No infeasible answers."));
      sec.append(h("h3", null, "Gaps of feasible answers"));
      sec.append(table(`Gaps (%) of feasible answers per level, ${problem}: to the reference and to the lower bound`, ["level", "feasible", "n (ref)", "mean gap %", "median gap %", "max gap %", "n (bound)", "mean gap to bound %", "max gap to bound %"],
        a.gaps_by_level.map((g) => [g.level, g.feasible, g.to_reference.n, g.to_reference.mean, g.to_reference.median, g.to_reference.max, g.to_bound.n, g.to_bound.mean, g.to_bound.max])));
      if (a.renderings.length) {
        sec.append(h("h3", null, "Renderings compared"));
        sec.append(table(`F(k) per rendering, ${problem}`, ["rendering", "level", "n", "feasible", "F", "ci95_low", "ci95_high"],
          a.renderings.flatMap((x) => x.curve.map((c) => [x.rendering, c.level, c.n, c.feasible, c.F, c.ci_low, c.ci_high]))));
        if (a.renderings.length > 1) sec.append(curveChart(`F(k) per rendering, ${problem}`, a.renderings.map((x) => ({ name: "rendering " + x.rendering, points: x.curve.map((c) => ({ level: c.level, F: c.F, lo: c.ci_low, hi: c.ci_high })) }))));
      }
      out.push(sec);
    }
    const V = IDX.tables.violations;
    out.push(h("h2", null, "Violations over all levels"));
    out.push(table(`Violations by type (as violations.csv)`, V.header.slice(1), pick(V, { run: run.label }).map((x) => x.slice(1))));
    return out;
  }

  const FILTERS = ["run", "problem", "level", "family", "rendering", "outcome", "code"];
  const LIST_COLUMNS = ["instance", "sample", "run", "problem", "level", "family", "rendering", "outcome", "gap_pct", "gap_to_bound_pct", "violations", "codes", "finish_reason", "tokens", "latency_s"];
  const PAGE = 100;
  function cellValue(row, name) {
    if (name === "outcome") return outcomeOf(row);
    if (name === "codes") return val(row, "codes").map((c) => STR[c]).join(" ");
    if (name === "run") return IDX.runs[val(row, "run")].label;
    if (["instance", "problem", "family", "rendering", "finish_reason"].includes(name)) return str(row, name);
    return val(row, name);
  }
  function filtered(q) {
    const want = {};
    FILTERS.forEach((f) => q.has(f) && (want[f] = q.get(f)));
    const text = (q.get("q") || "").toLowerCase();
    const S = IDX.samples;
    const out = [];
    for (let i = 0; i < S.length; i++) {
      const row = S[i];
      if ("run" in want && String(val(row, "run")) !== want.run) continue;
      if ("problem" in want && str(row, "problem") !== want.problem) continue;
      if ("level" in want && String(val(row, "level")) !== want.level) continue;
      if ("family" in want && str(row, "family") !== want.family) continue;
      if ("rendering" in want && str(row, "rendering") !== want.rendering) continue;
      if ("outcome" in want && outcomeOf(row) !== want.outcome) continue;
      if ("code" in want && !val(row, "codes").some((c) => STR[c] === want.code)) continue;
      if (text && !str(row, "instance").toLowerCase().includes(text)) continue;
      out.push(i);
    }
    const sort = q.get("sort");
    if (sort && LIST_COLUMNS.includes(sort)) {
      const sorted = sortRows(out, (i) => cellValue(S[i], sort), q.get("dir") === "desc" ? -1 : 1);
      return sorted;
    }
    return out;
  }
  function choices(name) {
    const S = IDX.samples, seen = new Set();
    for (const row of S) {
      if (name === "code") val(row, "codes").forEach((c) => seen.add(STR[c]));
      else if (name === "run") seen.add(String(val(row, "run")));
      else if (name === "outcome") seen.add(outcomeOf(row));
      else if (name === "level") seen.add(String(val(row, "level")));
      else seen.add(str(row, name));
    }
    return sortRows([...seen].filter((x) => x !== null), (x) => x, 1);
  }
  function viewSamples(q) {
    const list = filtered(q);
    currentList = list;
    const page = Math.max(0, Math.min(Number(q.get("page") || 0), Math.floor(Math.max(list.length - 1, 0) / PAGE)));
    const go = (changes) => {
      const next = new URLSearchParams(q);
      for (const [k, v] of Object.entries(changes)) v === "" || v === null ? next.delete(k) : next.set(k, v);
      if (!("page" in changes)) next.delete("page");
      location.hash = "/samples?" + next.toString();
    };
    const controls = FILTERS.map((f) =>
      h("label", null, f === "code" ? "violation" : f,
        h("select", { name: f, onchange: (ev) => go({ [f]: ev.target.value }) },
          h("option", { value: "" }, "any"),
          choices(f).map((c) => h("option", { value: c, selected: q.get(f) === c }, f === "run" ? IDX.runs[Number(c)].label : c))))
    );
    controls.push(h("label", null, "instance contains", h("input", { type: "search", name: "q", id: "search", value: q.get("q") || "", onchange: (ev) => go({ q: ev.target.value }) })));
    const sort = q.get("sort"), dir = q.get("dir") === "desc" ? "desc" : "asc";
    const ths = LIST_COLUMNS.map((c) => h("th", { scope: "col", class: ["instance", "run", "problem", "family", "rendering", "outcome", "codes", "finish_reason"].includes(c) ? "t" : null, "aria-sort": sort === c ? (dir === "asc" ? "ascending" : "descending") : "none" },
      h("button", { type: "button", onclick: () => go({ sort: c, dir: sort === c && dir === "asc" ? "desc" : "asc" }) }, c)));
    const S = IDX.samples;
    const body = list.slice(page * PAGE, page * PAGE + PAGE).map((i) =>
      h("tr", null, LIST_COLUMNS.map((c) => {
        const v = cellValue(S[i], c);
        if (c === "instance") return h("td", { class: "t" }, link(`/sample/${i}`, v));
        if (c === "outcome") return h("td", { class: "t " + (v === "feasible" ? "good" : "bad") }, v);
        return h("td", { class: typeof v === "string" ? "t" : null }, fmt(v));
      })));
    const pages = Math.max(1, Math.ceil(list.length / PAGE));
    const count = `${list.length} samples match; rows ${list.length ? page * PAGE + 1 : 0}–${Math.min(list.length, (page + 1) * PAGE)}, page ${page + 1} of ${pages}`;
    setTimeout(() => announce(count));
    return [
      heading("Samples"),
      h("form", { class: "filters", role: "search", "aria-label": "Filter samples", onsubmit: (ev) => ev.preventDefault() }, controls),
      h("p", { id: "count" }, count),
      h("table", { id: "samples" }, h("caption", null, "Samples (round 0); sort by a column header, open a sample by its instance"), h("thead", null, h("tr", null, ths)), h("tbody", null, body)),
      h("nav", { class: "pager", "aria-label": "Pages" },
        h("button", { type: "button", disabled: page === 0, onclick: () => go({ page: page - 1 }) }, "previous page"),
        h("span", null, `page ${page + 1} of ${pages}`),
        h("button", { type: "button", disabled: page + 1 >= pages, onclick: () => go({ page: page + 1 }) }, "next page")),
    ];
  }

  function viewSample(i) {
    const row = IDX.samples[i];
    if (!row) return [heading("No such sample")];
    const run = IDX.runs[val(row, "run")];
    const name = `${str(row, "instance")} #${val(row, "sample")}`;
    const out = [heading("Sample ", name)];
    const list = currentList || IDX.samples.map((_, k) => k);
    const at = list.indexOf(i);
    out.push(h("nav", { class: "pager", "aria-label": "Neighbouring samples" },
      at > 0 ? link(`/sample/${list[at - 1]}`, "previous (k)") : null, at >= 0 && at + 1 < list.length ? link(`/sample/${list[at + 1]}`, "next (j)") : null,
      link(route("/samples", { run: val(row, "run") }), "back to the list")));
    const shard = val(row, "shard");
    const holder = h("div", { class: "cols" }, h("p", null, "Loading the record…"));
    out.push(holder);
    if (shard === null) {
      holder.replaceChildren(h("p", null, `This record is not in the export (${run.note}).`));
      setTimeout(() => document.documentElement.setAttribute("data-ready", "sample"));
      return out;
    }
    const pad = (n) => String(n).padStart(4, "0");
    SB.need(`r${val(row, "run")}-${pad(shard)}`).then((data) => {
      const rec = data.records[val(row, "slot")];
      return SB.need(`p${val(row, "run")}-${pad(rec.prompt[0])}`).then((prompts) => [rec, prompts[rec.prompt[1]]]);
    }).then(([rec, found]) => {
      const prompt = found || { status: "not recorded", messages: [] };
      const left = h("div", null);
      const right = h("div", null);
      left.append(metaList([
        ["run", run.label], ["outcome", rec.outcome], ["problem", rec.problem], ["level", fmt(rec.level)], ["family", rec.family],
        ["rendering", rec.rendering], ["template", `${rec.template_id} ${rec.template_hash}`],
        ["objective (verified)", fmt(rec.objective)], ["objective (claimed)", rec.claimed_objective === undefined ? null : JSON.stringify(rec.claimed_objective)],
        ["claim", rec.claim_status], ["reference", rec.reference === null ? null : `${fmt(rec.reference)} (${rec.reference_kind})`], ["lower bound", fmt(rec.bound)],
        ["gap to reference %", fmt(rec.gap_pct)], ["gap to bound %", fmt(rec.gap_to_bound_pct)],
        ["finish reason", rec.finish_reason], ["latency s", fmt(rec.latency_s)], ["error", rec.error_class ? `${rec.error_class}: ${rec.error}` : null],
      ]));
      left.append(h("h2", null, "Prompt"), h("p", { class: "note" }, prompt.status));
      prompt.messages.forEach((m, k) => left.append(h("h3", null, m.role), h("pre", { tabindex: "0", "aria-label": `prompt message ${k + 1}: ${m.role}`, class: "prompt" }, m.content)));
      left.append(h("h2", null, "Response"), h("pre", { tabindex: "0", "aria-label": "raw response", id: "response" }, rec.content === null || rec.content === undefined ? "(no response)" : rec.content));
      left.append(h("h2", null, "Parsed schedule"), h("p", null, `parse: ${fmt(rec.parse_status)}`, rec.parse_error ? ` — ${rec.parse_error}` : "", rec.parse_note ? ` (${rec.parse_note})` : ""));
      if (rec.solution) left.append(h("pre", { tabindex: "0", "aria-label": "parsed solution" }, JSON.stringify(rec.solution, null, 1)));
      const chart = rec.schedule ? gantt(rec.schedule, rec.violations || []) : null;
      right.append(h("h2", null, "Violations"), violationList(rec.violations || [], chart));
      right.append(h("h2", null, "Gantt chart"));
      if (chart) right.append(chart.node, scheduleTable(rec.schedule));
      else right.append(h("p", null, rec.solution ? "The schedule cannot be drawn (instance data not found)." : "No schedule to draw."));
      const rounds = (rec.repair && rec.repair.rounds) || [];
      if (rounds.length) {
        left.append(h("h2", null, "Repair rounds"));
        rounds.forEach((rd) => left.append(h("details", null, h("summary", null, `round ${rd.round}: ${rd.outcome}` + (rd.violations ? `, ${rd.violations.length} violations` : "")),
          h("pre", { tabindex: "0", "aria-label": `response of round ${rd.round}` }, rd.content || rd.error || ""))));
      }
      holder.replaceChildren(left, right);
      document.documentElement.setAttribute("data-ready", "sample");
    }, (err) => holder.replaceChildren(h("p", { class: "bad" }, String(err.message))));
    return out;
  }

  function viewCompare(a, b) {
    const pair = IDX.compare.find((c) => c.a === a && c.b === b);
    if (!pair) return [heading("Compare"), h("p", null, "Comparing needs two LLM runs in one report.")];
    const A = IDX.runs[a], B = IDX.runs[b];
    const pickRun = (which, current, other) => h("label", null, which + " ", h("select", { onchange: (ev) => (location.hash = which === "A" ? `/compare/${ev.target.value}/${other}` : `/compare/${other}/${ev.target.value}`) },
      IDX.runs.map((r, i) => (i === other ? null : h("option", { value: i, selected: i === current }, r.label)))));
    const out = [heading("Compare ", A.label, " with ", B.label), h("div", { class: "filters" }, pickRun("A", a, b), pickRun("B", b, a))];
    const problems = [...new Set(pair.rows.map((r) => r.problem))];
    for (const problem of problems) {
      out.push(h("h2", null, problem));
      out.push(curveChart(`F(k) of ${problem}: A = ${A.label}, B = ${B.label}`, [...fkSeries(A.label, problem, "A"), ...fkSeries(B.label, problem, "B")]));
      out.push(table(`Instances both runs answered, ${problem}: solved (a feasible round-0 answer) by both, only A, only B, neither`, ["level", "both", "A only", "B only", "neither"],
        pair.rows.filter((r) => r.problem === problem).map((r) => [r.level, r.both, r.a_only, r.b_only, r.neither]), { cls: "paired" }));
    }
    const flips = (label, items, run) => [h("h2", null, label), items.length ? table(label, ["instance", "problem", "level"], items.map((x) => [x.instance, x.problem, x.level]),
      { cell: (v, c) => (c === 0 ? link(route("/samples", { run, q: v }), v) : fmt(v)) }) : h("p", null, "None.")];
    out.push(flips(`Solved by A (${A.label}), not by B`, pair.a_only, a));
    out.push(flips(`Solved by B (${B.label}), not by A`, pair.b_only, b));
    return out;
  }

  function boardRows(board, group) {
    return board.rows.filter((r) => r.group === group);
  }
  function viewBoard(b, q) {
    const board = IDX.boards[b];
    const groups = [...new Set(board.rows.map((r) => r.group))];
    const group = (q && q.get("group")) || "all";
    const ranked = sortRows(sortRows(sortRows(sortRows(boardRows(board, group), (r) => r.heuristic, 1), (r) => r.ratio_gap_pct, 1), (r) => r.mean_gap_pct, 1), (r) => -r.feasible_share, 1); // as `ranked` in Python
    const cols = board.columns.filter((c) => c !== "group");
    const out = [heading("Leaderboard ", board.label, " (", board.problem, ")")];
    out.push(h("div", { class: "filters" }, h("label", null, "instance class", h("select", { onchange: (ev) => (location.hash = route(`/board/${b}`, { group: ev.target.value })) },
      groups.map((g) => h("option", { value: g, selected: g === group }, g))))));
    out.push(table(`Rules on ${group} instances, best first (as leaderboard.csv); sort by any column`, cols, ranked.map((r) => cols.map((c) => r[c])),
      { sortable: true, cell: (v, c) => (c === 0 ? link(`/board/${b}/rule/${encodeURIComponent(v)}`, v) : fmt(v, 2)) }));
    if (board.size_rows.length) out.push(table("Per size (as leaderboard_by_size.csv)", board.size_columns, board.size_rows.map((r) => board.size_columns.map((c) => r[c])), { sortable: true, cell: (v) => fmt(v, 2) }));
    if (board.suspects.length) out.push(h("h2", { class: "bad" }, "Suspect references"), table("A rule beat a reference that claims to be optimal or a lower bound", ["instance", "heuristic", "objective", "reference", "kind", "source"], board.suspects.map((x) => [x.instance, x.heuristic, x.objective, x.reference, x.kind, x.source])));
    out.push(h("p", { class: "note" }, `Schedules: ${board.schedules}.`));
    return out;
  }
  function boardRecords(board, where) {
    const C = Object.fromEntries(board.record_columns.map((c, i) => [c, i]));
    return { C, rows: board.records.filter((r) => Object.entries(where).every(([k, v]) => r[C[k]] === v)) };
  }
  function viewRule(b, rule) {
    const board = IDX.boards[b];
    const { C, rows } = boardRecords(board, { rule });
    const cols = ["instance", "group", "size", "feasible", "objective", "reference", "reference_kind", "gap_pct", "time_ms", "violations", "error"];
    return [heading("Rule ", rule, " on ", board.label), h("p", null, link(`/board/${b}`, "back to the leaderboard")),
      table(`${rows.length} instances; open one for its schedule`, cols, rows.map((r) => cols.map((c) => (c === "violations" ? Object.entries(r[C.violations]).map(([k, n]) => `${k}×${n}`).join(" ") : r[C[c]]))),
        { sortable: true, cell: (v, c) => (c === 0 ? link(route(`/board/${b}/instance/${encodeURIComponent(v)}`, { rule }), v) : fmt(v, 2)) })];
  }
  function viewBoardInstance(b, name, q) {
    const board = IDX.boards[b];
    const { C, rows } = boardRecords(board, { instance: name });
    const rule = (q && q.get("rule")) || (rows[0] && rows[0][C.rule]);
    const cols = ["rule", "feasible", "objective", "reference", "reference_kind", "gap_pct", "time_ms", "error"];
    const out = [heading("Instance ", name, " (", board.label, ")"), h("p", null, link(`/board/${b}`, "back to the leaderboard")),
      table("Every rule on this instance", cols, rows.map((r) => cols.map((c) => r[C[c]])), { sortable: true, cell: (v, c) => (c === 0 ? link(route(`/board/${b}/instance/${encodeURIComponent(name)}`, { rule: v }), v) : fmt(v, 2)) })];
    const shard = rows.length ? rows[0][C.shard] : null;
    const holder = h("section", { "aria-label": "schedule" }, h("h2", null, `Schedule of ${rule}`));
    out.push(holder);
    if (shard === null || shard === undefined) {
      holder.append(h("p", null, `No schedule: ${board.schedules}.`));
      setTimeout(() => document.documentElement.setAttribute("data-ready", "schedule"));
      return out;
    }
    SB.need(`b${b}-${String(shard).padStart(4, "0")}`).then((data) => {
      const got = (data[name] || {})[rule];
      document.documentElement.setAttribute("data-ready", "schedule");
      if (!got || !got.schedule) return holder.append(h("p", null, "This rule's schedule was not rebuilt (plug-ins are not re-run)."));
      const chart = gantt(got.schedule, got.violations);
      holder.append(h("p", null, `objective ${fmt(got.objective)}`), violationList(got.violations, chart), chart.node, scheduleTable(got.schedule));
    });
    return out;
  }

  // ---- discovery runs --------------------------------------------------------------------------------
  const bestSeries = (d, key) => ({ name: `${d.label}: best ${key === "best_val" ? "validation" : "train"}`, points: d.series.map((p) => [p.sample, p[key]]) });
  function viewDiscover(i) {
    const d = IDX.discoveries[i], run = d.run;
    const out = [heading("Discovery run ", d.label)];
    if (run.dry_run) out.push(h("p", { class: "bad" }, "Dry run: the answers came from schedbench's mutate server, which edits the seed rules; no model was asked. The curves show the loop working, not a model's skill."));
    const spent = run.spent || {};
    out.push(metaList([
      ["problem", `${run.problem}${run.interface ? " (" + run.interface + ")" : ""}`], ["strategy", run.strategy], ["model", run.model],
      ["sandbox", run.sandbox], ["prompt template", run.template], ["concurrency", String(run.concurrency)],
      ["stop rules", Object.entries(run.budget || {}).filter((e) => e[1] !== null).map(([k, v]) => `${k}=${fmt(v)}`).join(", ")],
      ["stopped", run.stop === null ? "still running (no stop event)" : run.stop],
      ["spent", Object.entries(spent).map(([k, v]) => `${k}=${fmt(v, 4)}`).join(", ")],
      ["pick", run.pick === null ? "none" : `${run.pick} (validation ${fmt(run.pick_val, 3)}%)`],
      ["cost", run.priced ? null : "no price table: costs are not known"],
    ]));
    out.push(h("h2", null, "Best so far"));
    out.push(stepChart("Best fitness so far (gap %, lower is better) against answers received; tokens and cost are in the table", [bestSeries(d, "best_train"), bestSeries(d, "best_val")], "answers received", "gap %"));
    out.push(h("details", null, h("summary", null, "The curve as a table"),
      table("Best so far after each answer", ["answers", "tokens", "cost", "best train %", "best validation %"], d.series.map((p) => [p.sample, p.tokens, run.priced ? p.cost : null, p.best_train, p.best_val]))));
    if (IDX.discoveries.length > 1) {
      out.push(h("h2", null, "All discovery runs in this report (control arms)"));
      out.push(stepChart(`Best validation fitness so far of every run against answers received`, IDX.discoveries.map((e) => ({ name: `${e.label} (${e.run.strategy})`, points: e.series.map((p) => [p.sample, p.best_val]) })), "answers received", "gap %"));
      out.push(table("Every run at its stop", ["run", "strategy", "answers", "stop", "pick validation %", "pick test %"],
        IDX.discoveries.map((e, k) => [e.label, e.run.strategy, e.series.length ? e.series[e.series.length - 1].sample : 0, e.run.stop, e.run.pick_val, e.test ? e.test.fitness : null]),
        { cell: (v, c, row) => (c === 0 ? link(`/discover/${IDX.discoveries.findIndex((e) => e.label === v)}`, v) : fmt(v, 3)) }));
    }
    out.push(h("h2", null, "Candidates"));
    out.push(table(`${d.candidates} answers held a candidate`, ["status", "count"], Object.entries(d.outcomes)));
    if (Object.keys(d.failures).length) out.push(table("Why candidates failed (failure code)", ["failure", "count"], Object.entries(d.failures)));
    if (d.lineage.length) {
      out.push(h("h2", null, "Lineage of the pick"));
      out.push(table("The pick first, then its best parent, down to a seed", ["candidate", "operator", "seed rule", "parents", "idea", "train %", "validation %"],
        d.lineage.map((c) => [c.id, c.operator, c.rule, (c.parents || []).join(", "), c.idea, c.train_fitness, c.val_fitness])));
    }
    if (d.pick_code !== null && d.pick_code !== undefined) out.push(h("h2", null, "The pick's code"), h("pre", { class: "code", tabindex: "0", "aria-label": "the pick's plug-in file" }, d.pick_code));
    if (d.versus) {
      const v = d.versus;
      out.push(h("h2", null, `The pick against the built-in rules (${v.split} split, ${v.instances} instances)`));
      out.push(table("Fitness is the class-balanced ratio-of-sums gap; the paper's metric is the mean per-instance gap", ["rule", "fitness %", "paper gap %", "pick wins", "ties", "pick loses"],
        [["pick", v.pick.fitness, v.pick.paper_gap, null, null, null]].concat(v.rules.map((r) => [r.rule, r.fitness, r.paper_gap, r.win, r.tie, r.loss])), { sortable: true }));
    }
    if (d.validated.length) out.push(table("Every validated candidate", ["candidate", "train %", "validation %", "train − validation"], d.validated.map((c) => [c.id, c.train, c.val, c.train_minus_val]), { sortable: true }));
    out.push(h("h2", null, "Test split"));
    if (!d.test) out.push(h("p", null, "The test split has not been run (`schedbench discover test`)."));
    else {
      const t = d.test, m = t.metamorphic || {};
      out.push(metaList([
        ["evaluations of the test split", String(t.evaluations) + (t.evaluations > 1 ? " — run more than once: treat the test score as seen" : "")],
        ["instances", String(t.instances)], ["fitness", `${fmt(t.fitness)}%`], ["paper's metric", `${fmt(t.paper_gap)}%`],
        ["train / validation", `${fmt(t.train_fitness)}% / ${fmt(t.val_fitness)}%`],
        ["metamorphic checks", m.instances === undefined ? null : `${m.instances} instances; changed under relabelling ${fmt((m.changed || {}).relabel)}, under scaling ${fmt((m.changed || {}).scale)}; ${(m.flags || []).join(", ") || "no flags"}`],
      ]));
    }
    return out;
  }

  // ---- router ----------------------------------------------------------------------------------------
  function nav() {
    const items = [link("/", "Overview")];
    if (IDX.runs.length) items.push(link("/samples", "Samples"));
    if (IDX.runs.length > 1) items.push(link("/compare/0/1", "Compare"));
    IDX.boards.forEach((bd, i) => items.push(link(`/board/${i}`, "Leaderboard " + bd.label)));
    (IDX.discoveries || []).forEach((d, i) => items.push(link(`/discover/${i}`, "Discovery " + d.label)));
    document.getElementById("nav").replaceChildren(...items);
  }
  function render() {
    const raw = location.hash.slice(1);
    if (raw && !raw.startsWith("/")) {
      main().focus();
      return; // the skip link
    }
    const [path, qs] = (raw || "/").split("?");
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    const q = new URLSearchParams(qs || "");
    document.documentElement.removeAttribute("data-ready");
    document.documentElement.dataset.render = String(Number(document.documentElement.dataset.render || 0) + 1);
    let view, name = parts[0] || "home";
    if (name === "run") view = viewRun(Number(parts[1]));
    else if (name === "samples") view = viewSamples(q);
    else if (name === "sample") view = viewSample(Number(parts[1]));
    else if (name === "compare") view = viewCompare(Number(parts[1]), Number(parts[2]));
    else if (name === "board" && parts[2] === "rule") (view = viewRule(Number(parts[1]), parts[3])), (name = "rule");
    else if (name === "board" && parts[2] === "instance") (view = viewBoardInstance(Number(parts[1]), parts[3], q)), (name = "instance");
    else if (name === "board") view = viewBoard(Number(parts[1]), q);
    else if (name === "discover") view = viewDiscover(Number(parts[1]));
    else view = viewHome();
    main().replaceChildren(...[view].flat(Infinity).filter(Boolean));
    document.documentElement.setAttribute("data-view", name);
    const h1 = main().querySelector("h1");
    document.title = (h1 ? h1.textContent + " — " : "") + "schedbench report";
    if (h1 && !(document.activeElement && ["SELECT", "INPUT"].includes(document.activeElement.tagName))) h1.focus();
    if (name !== "sample" && name !== "instance") document.documentElement.setAttribute("data-ready", name);
  }
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || /^(INPUT|SELECT|TEXTAREA)$/.test(ev.target.tagName)) return;
    if (ev.key === "/") {
      const box = document.getElementById("search");
      if (box) {
        ev.preventDefault();
        box.focus();
      }
    } else if (ev.key === "j" || ev.key === "k") {
      const target = [...main().querySelectorAll(".pager a")].find((a) => a.textContent.includes(ev.key === "j" ? "(j)" : "(k)"));
      if (target) location.hash = target.getAttribute("href").slice(1);
    }
  });
  SB.need("index").then((index) => {
    IDX = index;
    STR = index.strings;
    COL = Object.fromEntries(index.columns.map((c, i) => [c, i]));
    nav();
    window.addEventListener("hashchange", render);
    render();
  }, (err) => {
    document.getElementById("loading").textContent = "Cannot load the report data: " + err.message;
  });
})();
