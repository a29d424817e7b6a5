// The after-action report: one request for its figures (GET /api/operations/{id}/report), drawn as tables and plain
// SVG charts. Every string from the server is set as text.
"use strict";

(() => {
  const { el, svg, fmt, api } = Liberterra;
  const { t } = I18n;
  const $ = id => document.getElementById(id);
  const operationId = decodeURIComponent(location.pathname.replace(/^\/report\/?/, "").replace(/\/$/, ""));
  const STATUSES = ["Standby", "Briefed", "EnRoute", "OnSite", "Engaged", "Extracting", "Completed", "Holding", "Aborted"];

  Liberterra.adoptTokenFromFragment();
  $("print").addEventListener("click", () => window.print());
  I18n.ready.then(() => {
    $("signin-button").addEventListener("click", () => {
      const token = $("token-input").value.trim();
      if (!Liberterra.claims(token)) { $("signin-error").textContent = t("signin.notCredential"); return; }
      Liberterra.setToken(token);
      load();
    });
    I18n.picker($("lang"));
    load();
  });

  async function load() {
    if (!Liberterra.token() || Liberterra.expired() || !operationId) {
      $("signin").hidden = false;
      if (!operationId) $("signin-error").textContent = t("report.whichOperation");
      return;
    }
    try {
      const report = await api(`/api/operations/${encodeURIComponent(operationId)}/report`);
      $("signin").hidden = true;
      render(report);
      $("report").hidden = false;
      document.body.dataset.ready = "true";
    } catch (error) {
      $("signin").hidden = false;
      $("signin-error").textContent = Liberterra.errorText(error);
    }
  }

  function date(time) { return I18n.utcDateTime(time); }

  /**
   * A table's rows: a column whose cells are all numbers is right-aligned, its header too, so each header stands over
   * its figures; any other column reads from the left.
   */
  function table(headers, data) {
    const numeric = headers.map((_, i) => data.length > 0 && data.every(cells => typeof cells[i] === "number"));
    const row = (cells, tag) => {
      const tr = el("tr");
      cells.forEach((c, i) => tr.append(el(tag, numeric[i] ? "num" : "text", typeof c === "number" ? fmt(c) : c)));
      return tr;
    };
    return [row(headers, "th"), ...data.map(cells => row(cells, "td"))];
  }

  /** A one-cell row saying the table is empty. */
  function none(text) { const tr = el("tr"); tr.append(el("td", "text", text)); return tr; }

  function render(r) {
    document.title = t("report.documentTitle", { name: r.name });
    $("name").textContent = r.name;
    $("exercise").hidden = !r.exercise;
    $("window").textContent = t("report.window", { start: date(r.windowStart), end: date(r.windowEnd), first: date(r.firstEvent), last: date(r.lastEvent), count: r.lastSeq });
    $("t-rescued").textContent = fmt(r.totals.rescued);
    $("t-split").textContent = t("report.split", { children: r.totals.children, women: r.totals.women, men: r.totals.men });
    $("t-arrested").textContent = fmt(r.totals.arrested);
    $("t-reports").textContent = fmt(r.reports);
    $("t-corrections").textContent = t("report.corrections", { count: r.corrections });
    $("t-overdue").textContent = fmt(r.overdue.length);
    $("footer").textContent = t("report.footer", { time: date(Date.now()), seq: r.lastSeq });

    renderDays(r.days);
    const regions = r.regions.slice().sort((a, b) => b.totals.rescued - a.totals.rescued || a.name.localeCompare(b.name));
    $("regions-table").replaceChildren(...table([t("report.col.region"), t("report.col.teams"), t("report.col.reports"), t("report.col.children"), t("report.col.women"), t("report.col.men"), t("report.col.rescued"), t("report.col.arrested")],
      regions.map(g => [g.name, g.teams, g.reports, g.totals.children, g.totals.women, g.totals.men, g.totals.rescued, g.totals.arrested])));
    renderGantt(r);
    const teams = new Map(r.teams.map(t => [t.id, t]));
    const teamName = id => id ? teams.get(id)?.callSign || id : "";
    const regionNames = new Map(r.regions.map(g => [g.id, g.name]));
    const regionName = id => regionNames.get(id) || id;
    $("significant-table").replaceChildren(...(r.significant.length
      ? table([t("report.col.event"), t("report.col.when"), t("report.col.title"), t("report.col.team"), t("report.col.what"), t("report.col.markedBy")],
          r.significant.map(s => [`#${s.seq}`, date(s.event.serverTime), s.title, teamName(s.event.teamId), Liberterra.describeEvent(s.event.phrase, s.event.summary), s.markedBy]))
      : [none(t("report.none.significant"))]));
    $("overdue-table").replaceChildren(...(r.overdue.length
      ? table([t("report.col.event"), t("report.col.flagged"), t("report.col.team"), t("report.col.lastCheckIn")],
          r.overdue.map(o => [`#${o.seq}`, date(o.flaggedAt), teamName(o.teamId), date(o.lastCheckIn)]))
      : [none(t("report.none.overdue"))]));
    const secs = v => v == null ? "—" : I18n.duration(v * 1000);
    const orders = r.orders || [], kinds = r.orderKinds || [], calls = r.distress || [];
    $("order-kinds-table").replaceChildren(...(kinds.length
      ? table([t("report.col.kind"), t("report.col.orders"), t("report.col.acknowledgements"), t("report.col.medianAck")], kinds.map(k => [t(`orderKind.${k.kind}`), k.orders, k.acknowledgements, secs(k.medianSecondsToAcknowledge)]))
      : [none(t("report.none.orders"))]));
    $("orders-table").replaceChildren(...(orders.length
      ? table([t("report.col.order"), t("report.col.issued"), t("report.col.kind"), t("report.col.to"), t("report.col.teams"), t("answer.Acknowledged"), t("answer.Unable"), t("report.col.noAnswer"), t("report.col.medianAck"), t("report.col.slowest")],
          orders.map(o => [o.cancelled ? t("report.orderCancelled", { seq: o.seq }) : `#${o.seq}`, date(o.issuedAt), t(`orderKind.${o.kind}`), Liberterra.targetText(o.scope, o.targetId, o.scope === "Region" ? regionName(o.targetId) : teamName(o.targetId)) || o.target, o.recipients, o.acknowledged, o.unable,
            o.overdue ? t("report.unansweredOverdue", { count: o.unanswered, overdue: o.overdue }) : fmt(o.unanswered), secs(o.medianSecondsToAcknowledge), secs(o.slowestSecondsToAcknowledge)]))
      : []));
    $("distress-table").replaceChildren(...(calls.length
      ? table([t("report.col.call"), t("report.col.raised"), t("report.col.team"), t("report.col.escalated"), t("report.col.taken"), t("report.col.by"), t("report.col.waited")],
          calls.map(d => [`#${d.seq}`, date(d.raisedAt), teamName(d.teamId), d.escalatedAt ? date(d.escalatedAt) : "—",
            d.takenAt ? date(d.takenAt) : d.cancelledAt ? t("report.withdrawn") : t("report.notTaken"), d.takenBy || "", secs(d.secondsToTake)]))
      : [none(t("report.none.distress"))]));
  }

  function renderDays(days) {
    const chart = $("days-chart");
    const width = 1000, height = 240, left = 40, bottom = 30, top = 10;
    chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const peak = Math.max(1, ...days.map(d => Math.max(d.totals.rescued, d.totals.arrested)));
    const slot = (width - left) / Math.max(1, days.length);
    const bar = Math.min(40, slot * 0.38);
    const y = v => height - bottom - (Math.max(0, v) / peak) * (height - bottom - top);
    const parts = [svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width, y2: height - bottom })];
    for (const tick of [0, 0.5, 1]) parts.push(svg("text", { x: 2, y: y(peak * tick) + 4 }, fmt(Math.round(peak * tick))));
    days.forEach((d, i) => {
      const x = left + i * slot + slot / 2 - bar;
      let base = 0;
      for (const k of ["children", "women", "men"]) {
        const v = Math.max(0, d.totals[k]);
        if (v) parts.push(svg("rect", { class: k, x, y: y(base + v), width: bar, height: y(base) - y(base + v) }, null));
        base += v;
      }
      const a = Math.max(0, d.totals.arrested);
      if (a) parts.push(svg("rect", { class: "arrested", x: x + bar + 2, y: y(a), width: bar, height: y(0) - y(a) }));
      parts.push(svg("text", { x: left + i * slot + slot / 2, y: height - 10, "text-anchor": "middle" }, I18n.dateTime(Date.parse(d.day), { timeZone: "UTC", day: "numeric", month: "short" })));
    });
    chart.replaceChildren(...parts);
    $("days-table").replaceChildren(
      ...table([t("report.col.day"), t("report.col.reports"), t("report.col.children"), t("report.col.women"), t("report.col.men"), t("report.col.rescued"), t("report.col.arrested")],
        days.map(d => [I18n.dateTime(Date.parse(d.day), { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" }), d.reports, d.totals.children, d.totals.women, d.totals.men, d.totals.rescued, d.totals.arrested])));
  }

  function renderGantt(r) {
    $("gantt-legend").replaceChildren(...STATUSES.flatMap(s => [el("span", `k s-${s}`), Liberterra.statusText(s)]));
    const rows = r.teams.filter(t => t.reports > 0).sort((a, b) => a.regionId.localeCompare(b.regionId) || a.id.localeCompare(b.id));
    const gantt = $("gantt");
    const width = 1000, label = 170, rowH = 14, top = 18;
    const height = top + rows.length * rowH + 4;
    gantt.setAttribute("viewBox", `0 0 ${width} ${height}`);
    gantt.style.height = `${height}px`;
    const t0 = Date.parse(r.firstEvent), t1 = Math.max(t0 + 1, Date.parse(r.lastEvent));
    const x = t => label + ((Date.parse(t) - t0) / (t1 - t0)) * (width - label - 4);
    const parts = [svg("text", { x: label, y: 11 }, date(r.firstEvent)), svg("text", { x: width - 4, y: 11, "text-anchor": "end" }, date(r.lastEvent))];
    rows.forEach((team, i) => {
      const yy = top + i * rowH;
      const g = svg("g", { "data-team": team.id });
      g.append(svg("text", { class: "row-label", x: 0, y: yy + 10 }, `${team.callSign}`));
      for (const s of team.statuses) {
        const x0 = x(s.from), w = Math.max(1, x(s.to) - x0);
        const rect = svg("rect", { class: `s-${s.status}`, x: x0, y: yy + 1, width: w, height: rowH - 3 });
        rect.append(svg("title", {}, t("report.gantt.bar", { team: team.callSign, status: Liberterra.statusText(s.status), from: date(s.from), to: date(s.to) })));
        g.append(rect);
      }
      parts.push(g);
    });
    gantt.replaceChildren(...parts);
  }
})();
