// The reports page's charts, drawn with uPlot from the figures the page carries as JSON
// (#report-data; the policy runs no inline script): chats offered, handled and abandoned
// per bucket, for every queue or the one picked, and each queue's service level. Times are
// read in the report's time zone. The tables on the page hold the same figures.
(function () {
  "use strict";

  var INK = "#535b6b", GRID = "#eef0f4", HEIGHT = 240;
  // Equal figures draw on top of each other: dashes and markers of decreasing size keep
  // every series visible where they meet.
  var CHATS = [
    { key: "offered", label: "Offered", stroke: "#3b3fc4", width: 3, size: 11 },
    { key: "handled", label: "Handled", stroke: "#16794a", width: 3, size: 8, dash: [9, 5] },
    { key: "abandoned", label: "Abandoned", stroke: "#b42318", width: 2, size: 5, dash: [3, 4] }
  ];
  var PALETTE = ["#3b3fc4", "#16794a", "#b42318", "#8a5a00", "#0e7490", "#7e22ce", "#be185d", "#4d7c0f"];
  var charts = [];

  // browserZone reloads the page in the browser's time zone when the address names none, so
  // the first view's days are the reader's own.
  function browserZone() {
    var form = document.getElementById("report-form");
    var params = new URLSearchParams(window.location.search);
    if (!form || params.has("timeZone")) { return false; }
    var tz = "";
    try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return false; }
    if (tz === "" || tz === form.elements.timeZone.value) { return false; }
    params.set("timeZone", tz);
    window.location.replace(window.location.pathname + "?" + params.toString());
    return true;
  }

  function fillZones() {
    var list = document.getElementById("r-zones");
    if (!list || !Intl.supportedValuesOf) { return; }
    Intl.supportedValuesOf("timeZone").forEach(function (z) {
      var o = document.createElement("option");
      o.value = z;
      list.appendChild(o);
    });
  }

  function widthOf(box) { return Math.max(260, box.clientWidth); }

  // xRange widens a single bucket's instant into a span the axis can show.
  function xRange(u, min, max) { return min === max ? [min - 1800, max + 1800] : [min, max]; }

  function options(d, box, yLabel, series, yRange) {
    return {
      width: widthOf(box), height: HEIGHT,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), d.timeZone); },
      scales: { x: { time: true, range: xRange }, y: { range: yRange } },
      series: [{ label: "From", value: d.grain === "hour" ? "{YYYY}-{MM}-{DD} {HH}:{mm}" : "{YYYY}-{MM}-{DD}" }].concat(series),
      axes: [
        { stroke: INK, grid: { stroke: GRID }, ticks: { stroke: GRID } },
        { label: yLabel, stroke: INK, grid: { stroke: GRID }, ticks: { stroke: GRID } }
      ],
      hooks: { draw: [function (u) { box.dataset.drawn = String(Number(box.dataset.drawn || "0") + 1); }] }
    };
  }

  function line(label, stroke, width, size, dash) {
    var s = { label: label, stroke: stroke, width: width || 2, points: { show: true, size: size || 6, fill: stroke } };
    if (dash) { s.dash = dash; }
    return s;
  }

  // chatValues are the chats of queue id, or of every queue summed when id is "".
  function chatValues(d, id) {
    return CHATS.map(function (c) {
      return d.starts.map(function (_, i) {
        return d.queues.reduce(function (sum, q) { return id === "" || q.id === id ? sum + (q[c.key][i] || 0) : sum; }, 0);
      });
    });
  }

  function label(u, box) {
    var cap = box.parentNode.querySelector("figcaption");
    u.ctx.canvas.setAttribute("role", "img");
    if (cap && cap.id) { u.ctx.canvas.setAttribute("aria-labelledby", cap.id); }
  }

  function draw() {
    var el = document.getElementById("report-data");
    if (!el || !window.uPlot) { return; }
    var d = JSON.parse(el.textContent);
    var chatsBox = document.getElementById("chart-chats"), slBox = document.getElementById("chart-sl");
    var counts = function (u, min, max) { return [0, Math.max(4, Math.ceil(max * 1.15))]; };
    var chats = new uPlot(options(d, chatsBox, "Chats", CHATS.map(function (c) { return line(c.label, c.stroke, c.width, c.size, c.dash); }), counts),
      [d.starts].concat(chatValues(d, "")), chatsBox);
    label(chats, chatsBox);
    var sl = new uPlot(options(d, slBox, "Service level (%)", d.queues.map(function (q, i) {
      var s = line(q.name, PALETTE[i % PALETTE.length]);
      s.value = function (u, v) { return v == null ? "–" : Math.round(v * 10) / 10 + "%"; };
      return s;
    }), [0, 100]), [d.starts].concat(d.queues.map(function (q) {
      return q.serviceLevel.map(function (v) { return v == null ? null : v * 100; });
    })), slBox);
    label(sl, slBox);
    charts = [[chats, chatsBox], [sl, slBox]];

    var picker = document.getElementById("chart-queue");
    if (picker && d.queues.length > 1) {
      picker.closest(".chart-tools").hidden = false;
      picker.addEventListener("change", function () { chats.setData([d.starts].concat(chatValues(d, picker.value))); });
    }
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    if (resizing) { cancelAnimationFrame(resizing); }
    resizing = requestAnimationFrame(function () {
      charts.forEach(function (c) { c[0].setSize({ width: widthOf(c[1]), height: HEIGHT }); });
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (browserZone()) { return; }
    fillZones();
    draw();
  });
})();
