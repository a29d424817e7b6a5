// The coordination wall. Data flow: LiveOperation gives a snapshot then in-order deltas; each updates the model at
// once, and the screen is redrawn at most once per animation frame from what changed. Every string from the server
// is shown with textContent (a note with markup is shown literally).
// Over 400 lines on purpose: the board, map, ticker and sparklines share one model and one redraw per frame inside
// this closure, and the pages load plain scripts with no bundler; the live connection is live.js, helpers common.js.
"use strict";

(() => {
  const { el, svg, fmt, api } = Liberterra;
  const { t } = I18n;
  const $ = id => document.getElementById(id);
  const ACTIVE = new Set(["Briefed", "EnRoute", "OnSite", "Engaged", "Extracting", "Holding"]);
  const HOT_MINUTES = 30;
  const TICKER_MAX = 40;
  const BOARD_PAGE_SECONDS = 12;

  const model = {
    op: null,                 // name, window, exercise
    teams: new Map(),         // id -> TeamView
    regions: new Map(),       // id -> RegionView
    totals: { children: 0, women: 0, men: 0, rescued: 0, arrested: 0 },
    teamsActive: 0, teamsCompleted: 0, raidsCompleted: 0, teamsOverdue: 0,
    lastSeq: 0,
    ticker: [],               // newest first: {seq, kind, serverTime, teamId, report, summary}
    orders: new Map(),        // seq -> OrderView (open ones and the latest closed)
    distress: new Map(),      // seq -> DistressView (open ones and the latest closed)
    activity: null,           // {from(ms), bucketMs, buckets, rescued: Map regionId -> number[]}
  };
  const dirty = { all: true, totals: true, teams: new Set(), regions: new Set(), ticker: true, sparks: true, command: true };
  const TICKER_KINDS = new Set(["FieldReported", "ReportCorrected", "CheckInOverdue", "OrderIssued", "OrderAnswered", "OrderCancelled",
    "OrderOverdue", "DistressRaised", "DistressTaken", "DistressCancelled", "DistressEscalated", "MessageSent"]);
  let frame = 0;
  let live = null;
  const connection = { state: "connecting", since: null, detail: "" };

  // ---------------------------------------------------------------- start

  // The same page serves the live wall and the debrief (a replay instead of the live feed: see debrief.js).
  const debrief = document.body.dataset.mode === "debrief";
  const operationId = decodeURIComponent(location.pathname.replace(/^\/(wall|debrief)\/?/, "").replace(/\/$/, ""));
  window.liberterraWall = {   // for tests and the curious
    model, get live() { return live; },
    boardPages: () => boardPages(),
    showBoardPage: n => { board.page = n; layoutBoard(); },
  };

  /** The wall's "now": the operation's clock (an exercise's may be compressed), or the replay clock in a debrief. */
  function clockNow() { return debrief && live ? live.now() : Liberterra.operationNow(model.op); }

  function begin() {
    if (!Liberterra.token() || Liberterra.expired()) { signIn(Liberterra.token() ? t("signin.expiredShort") : ""); return; }
    if (!operationId) { choose(); return; }
    // A new credential gets a new connection (the old one, if any, carried the old credential).
    if (live) live.stop().catch(() => {});
    live = debrief
      ? new ReplayOperation(operationId, { snapshot, delta, state: connectionState, status: s => { window.dispatchEvent(new CustomEvent("replay-status", { detail: s })); tickClock(); } })
      : new LiveOperation(operationId, { snapshot, delta, state: connectionState });
    live.start();
    loadMap();
  }

  function signIn(message) {
    $("overlay").hidden = false;
    $("signin-form").hidden = false;
    $("chooser").hidden = true;
    $("overlay-title").textContent = t("signin.title");
    $("signin-error").textContent = message || "";
  }

  async function choose() {
    try {
      const operations = await api("/api/operations");
      const page = debrief ? "debrief" : "wall";
      if (operations.length === 1) { location.replace(`/${page}/${encodeURIComponent(operations[0].id)}`); return; }
      $("overlay").hidden = false;
      $("signin-form").hidden = true;
      $("overlay-title").textContent = operations.length ? t("wall.choose.title") : t("wall.choose.none");
      $("overlay-text").textContent = operations.length ? t("wall.choose.help") : t("wall.choose.load");
      const list = $("chooser");
      list.hidden = false;
      list.replaceChildren(...operations.map(o => {
        const li = el("li");
        const a = el("a", null, `${o.name} (${o.id})`);
        a.href = `/${page}/${encodeURIComponent(o.id)}`;
        li.append(a, el("span", "muted", ` · ${[I18n.list([t("count.hotspots", { count: o.regions }), t("count.teams", { count: o.teams })]), o.exercise ? t("common.exercise") : null].filter(Boolean).join(" · ")}`));
        return li;
      }));
    } catch (error) {
      signIn(Liberterra.errorText(error));
    }
  }

  // ---------------------------------------------------------------- live data

  function connectionState(state, since, detail) {
    document.body.classList.remove("connecting", "live", "stale", "resyncing", "signed-out");
    document.body.classList.add(state);
    const text = {
      connecting: t("wall.connecting"),
      live: debrief ? t("wall.conn.replay") : t("wall.conn.live"),
      resyncing: t("wall.conn.resyncing"),
      stale: t("wall.conn.stale"),
      "signed-out": t("wall.conn.signedOut"),
    }[state];
    $("conn-text").textContent = text;
    connection.since = since;
    connection.detail = detail || "";
    connection.state = state;
    renderConnectionDetail();
    if (state === "signed-out") signIn(detail ? t("wall.stopped", { reason: signedOutReason(detail) }) : "");
  }
  /** The server's refusal in the words of someone standing at the wall, with one period at the end. */
  function signedOutReason(detail) {
    return detail.replace(/\.+$/, "");
  }
  function renderConnectionDetail() {
    const parts = [];
    if (connection.since) parts.push(t("wall.conn.since", { time: Liberterra.utcTime(connection.since), ago: Liberterra.agoSeconds(connection.since) }));
    if (connection.detail) parts.push(connection.detail);
    if (connection.state === "stale") parts.push(t("wall.conn.reconnecting"));
    if (connection.state === "live") parts.push(t("wall.conn.event", { seq: model.lastSeq }));
    $("conn-detail").textContent = parts.join(" · ");
  }

  let tickerReads = 0;      // the debrief's ticker reads, one per snapshot: only the latest one's answer is used
  function snapshot(view) {
    model.op = view;
    model.teams = new Map(view.teams.map(t => [t.id, t]));
    model.regions = new Map(view.regions.map(r => [r.id, r]));
    model.totals = view.totals;
    model.teamsActive = view.teamsActive;
    model.teamsCompleted = view.teamsCompleted;
    model.raidsCompleted = view.raidsCompleted;
    model.teamsOverdue = view.teamsOverdue;
    model.lastSeq = view.lastSeq;
    model.orders = new Map((view.orders || []).map(o => [o.seq, o]));
    model.distress = new Map((view.distress || []).map(d => [d.seq, d]));
    dirty.all = true;
    schedule();
    const seq = view.lastSeq;
    if (debrief) {
      // A replay's sparklines are built from what it plays (after a seek, from there on); its ticker starts from the
      // reports up to the replay's event, as the wall's does from the latest ones.
      model.ticker = [];
      model.activity = { from: clockNow() - 23 * 3600000 - clockNow() % 3600000, bucketMs: 3600000, buckets: 24, rescued: new Map() };
      dirty.ticker = dirty.sparks = true;
      const read = ++tickerReads;
      api(`/api/operations/${encodeURIComponent(operationId)}/ticker?limit=${TICKER_MAX}&seq=${seq}`)
        .then(entries => {
          if (read !== tickerReads) return;                      // another seek came meanwhile: its own read decides
          const newer = model.ticker.filter(t => t.seq > seq);
          model.ticker = newer.concat(entries).slice(0, TICKER_MAX);
          dirty.ticker = true; schedule();
        }).catch(() => {});
      return;
    }
    // The ticker and the sparklines start from the timeline, then live deltas extend them.
    api(`/api/operations/${encodeURIComponent(operationId)}/ticker?limit=${TICKER_MAX}`)
      .then(entries => {
        const newer = model.ticker.filter(t => t.seq > seq);
        model.ticker = newer.concat(entries.filter(e => e.seq <= seq)).slice(0, TICKER_MAX);
        dirty.ticker = true; schedule();
      }).catch(() => {});
    api(`/api/operations/${encodeURIComponent(operationId)}/activity?hours=24&bucketMinutes=60`)
      .then(a => {
        const rescued = new Map(a.regions.map(r => [r.regionId, r.rescued.slice()]));
        // Deltas applied since the snapshot are already in this answer only if committed before it was read;
        // the activity is a trend line, so a report counted in both within that instant is acceptable there.
        model.activity = { from: Date.parse(a.from), bucketMs: a.bucketMinutes * 60000, buckets: a.buckets, rescued };
        dirty.sparks = true; schedule();
      }).catch(() => {});
  }

  function delta(d) {
    const before = d.region ? model.regions.get(d.region.id) : null;
    if (d.team) { model.teams.set(d.team.id, d.team); dirty.teams.add(d.team.id); }
    // A delta carries the region's changing part (totals, exploitation found, seq); the rest is from the snapshot.
    if (d.region && before) { model.regions.set(d.region.id, { ...before, ...d.region }); dirty.regions.add(d.region.id); }
    if (d.kind === "OperationDefined") { dirty.all = true; }
    model.totals = d.totals;
    model.teamsActive = d.teamsActive;
    model.teamsCompleted = d.teamsCompleted;
    model.raidsCompleted = d.raidsCompleted;
    model.teamsOverdue = d.teamsOverdue;
    model.lastSeq = d.seq;
    dirty.totals = true;

    if (d.order) { model.orders.set(d.order.seq, d.order); dirty.command = true; }
    if (d.distress) { model.distress.set(d.distress.seq, d.distress); dirty.command = true; }
    if (TICKER_KINDS.has(d.kind)) {
      model.ticker.unshift({
        seq: d.seq, kind: d.kind, serverTime: d.serverTime, teamId: d.teamId, report: d.report, summary: d.summary, phrase: d.phrase,
        fresh: true,
      });
      if (model.ticker.length > TICKER_MAX) model.ticker.length = TICKER_MAX;
      dirty.ticker = true;
    }
    if (before && d.region && model.activity) {
      addActivity(d.region.id, Date.parse(d.serverTime), d.region.totals.rescued - before.totals.rescued);
    }
    schedule();
  }

  function addActivity(regionId, time, amount) {
    const a = model.activity;
    if (!amount) return;
    let index = Math.floor((time - a.from) / a.bucketMs);
    if (index >= a.buckets) {                       // time moved on: slide the window
      const shift = index - a.buckets + 1;
      for (const series of a.rescued.values()) { series.splice(0, Math.min(shift, series.length)); while (series.length < a.buckets) series.push(0); }
      a.from += shift * a.bucketMs;
      index = a.buckets - 1;
    }
    if (index < 0) return;
    if (!a.rescued.has(regionId)) a.rescued.set(regionId, new Array(a.buckets).fill(0));
    a.rescued.get(regionId)[index] += amount;
    dirty.sparks = true;
  }

  // ---------------------------------------------------------------- rendering

  function schedule() { if (!frame) frame = requestAnimationFrame(render); }

  function render() {
    frame = 0;
    if (!model.op) return;
    if (dirty.all) {
      renderHeader();
      renderBoard(true);
      renderMap(true);
      dirty.ticker = dirty.sparks = dirty.totals = true;
    } else {
      if (dirty.teams.size) renderBoard(false);
      if (dirty.teams.size || dirty.regions.size) renderMap(false);
    }
    if (dirty.totals) renderTotals();
    if (dirty.ticker) renderTicker();
    if (dirty.sparks) renderSparks();
    if (dirty.command || dirty.all) { renderAlarm(); renderOrders(); }
    renderConnectionDetail();
    dirty.all = dirty.totals = dirty.ticker = dirty.sparks = dirty.command = false;
    dirty.teams.clear();
    dirty.regions.clear();
  }

  function renderHeader() {
    const op = model.op;
    $("op-name").textContent = op.name;
    document.title = t(debrief ? "debrief.documentTitle" : "wall.documentTitle", { name: op.name });
    $("exercise-badge").hidden = !op.exercise;
    $("exercise-badge").textContent = op.clockSpeed > 1 ? t("wall.exerciseBadgeClock", { speed: op.clockSpeed }) : t("wall.exerciseBadge");
    $("watermark").hidden = !op.exercise;
    renderViewOf(op);
    I18n.fill($("t-of"), "wall.teamsOf", { count: model.teams.size, teams: el("b", null, fmt(model.teams.size)), hotspots: el("b", null, fmt(model.regions.size)) });
    tickClock();
  }

  // Whose view this is, when the operation has agencies: "Argentina: Policía Federal Argentina · own teams in full, …".
  function renderViewOf(op) {
    const v = op.viewer, box = $("view-of");
    if (!box) return;
    box.hidden = !v || !(op.agencies || []).length;
    if (box.hidden) return;
    const who = !v.agency ? t("wall.view.whole")
      : v.countryCode ? t("wall.view.agencyIn", { country: I18n.country(v.countryCode), agency: v.name || v.agency }) : (v.name || v.agency);
    const what = v.seesAll ? [t("wall.view.everything")] : [
      t("wall.view.own"),
      ...(v.full.length ? [t("wall.view.full", { count: v.full.length })] : []),
      ...(v.summary.length ? [t("wall.view.summary", { count: v.summary.length })] : []),
      ...(v.countsOnly.length ? [t("wall.view.countsOnly", { count: v.countsOnly.length })] : []),
    ];
    box.textContent = t("wall.view.line", { who, what: I18n.list(what) });
  }

  function agencyName(id) {
    const a = (model.op.agencies || []).find(x => x.id === id);
    return a ? a.name : id;
  }

  function tickClock() {
    const now = new Date(clockNow());
    $("clock-time").textContent = t("time.utc", { time: Liberterra.utcTime(now) });
    $("clock-date").textContent = Liberterra.utcDate(now);
    if (model.op) $("clock-day").textContent = dayOf(model.op, now.getTime());
    if (connection.state !== "live") renderConnectionDetail();
  }

  /** "Day 3 of 6" inside the planned window; before and after it, says so. */
  function dayOf(op, now) {
    const start = Date.parse(op.windowStart), end = Date.parse(op.windowEnd);
    const days = Math.max(1, Math.ceil((end - start) / 86400000));
    if (now < start) return t("wall.day.before", { count: Math.ceil((start - now) / 86400000), days });
    if (now >= end) return t("wall.day.after", { count: days, ended: Liberterra.utcDate(new Date(end)) });
    return t("wall.day.of", { day: Math.floor((now - start) / 86400000) + 1, days });
  }

  const counters = new Map();   // element id -> running animation
  function animateNumber(id, value) {
    const node = $(id);
    const from = Number(node.dataset.value || 0);
    if (from === value) return;
    node.dataset.value = String(value);
    node.classList.remove("bump"); void node.offsetWidth; node.classList.add("bump");
    const started = performance.now(), duration = 700;
    const step = t => {
      const p = Math.min(1, (t - started) / duration);
      const eased = 1 - (1 - p) ** 3;
      node.textContent = fmt(Math.round(from + (value - from) * eased));
      if (p < 1 && counters.get(id) === step) requestAnimationFrame(step); else if (p >= 1) node.textContent = fmt(value);
    };
    counters.set(id, step);
    requestAnimationFrame(step);
  }

  function renderTotals() {
    const tot = model.totals;
    animateNumber("t-rescued", tot.rescued);
    animateNumber("t-children", tot.children);
    animateNumber("t-women", tot.women);
    animateNumber("t-men", tot.men);
    animateNumber("t-arrested", tot.arrested);
    animateNumber("t-active", model.teamsActive);
    animateNumber("t-completed", model.raidsCompleted);
    animateNumber("t-completed-now", model.teamsCompleted);
    animateNumber("t-overdue", model.teamsOverdue);
    $("overdue-total").classList.toggle("alert", model.teamsOverdue > 0);
    const overdue = [...model.teams.values()].filter(t => t.overdueSince).map(t => t.callSign || t.id);
    $("overdue-names").textContent = overdue.length
      ? I18n.list(overdue.length > 4 ? [...overdue.slice(0, 4), t("wall.overdue.more", { count: overdue.length - 4 })] : overdue, "unit") : t("common.none");
    I18n.fill($("t-completed-line"), "wall.completedNow", { count: model.teamsCompleted, n: $("t-completed-now") });
  }

  // ---- team board: overdue first, then active, then the rest; pages rotate when they do not fit

  const board = { cards: new Map(), page: 0, order: [] };

  function teamRank(t) { return t.overdueSince ? 0 : ACTIVE.has(t.status) ? 1 : t.status === "Completed" ? 2 : 3; }

  function renderBoard(full) {
    const now = clockNow();
    for (const id of (full ? model.teams.keys() : dirty.teams)) {
      const team = model.teams.get(id);
      if (!team) continue;
      let card = board.cards.get(id);
      if (!card) { card = buildCard(); board.cards.set(id, card); }
      fillCard(card, team, now, !full);
    }
    for (const [id, card] of board.cards) if (!model.teams.has(id)) { card.root.remove(); board.cards.delete(id); }
    const order = [...model.teams.values()]
      // Overdue first, then active, then by the name the card shows.
      .sort((a, b) => teamRank(a) - teamRank(b) || (a.callSign || a.id).localeCompare(b.callSign || b.id) || a.id.localeCompare(b.id))
      .map(t => t.id);
    const changed = order.length !== board.order.length || order.some((id, i) => id !== board.order[i]);
    if (changed || full) { board.order = order; layoutBoard(); }
  }

  function buildCard() {
    const root = el("div", "card");
    root.setAttribute("role", "listitem");
    const name = el("div", "name"), status = el("div", "status"), region = el("div", "region"), meta = el("div", "meta"),
      figures = el("div", "figures");
    root.append(name, status, region, meta, figures);
    return { root, name, status, region, meta, figures };
  }

  function fillCard(card, team, now, flash) {
    const region = model.regions.get(team.regionId);
    const summary = team.sharing === "Summary";
    card.root.className = `card s-${team.status}${team.overdueSince ? " overdue" : ""}${summary ? " summary" : ""}`;
    card.root.dataset.team = team.id;
    card.name.textContent = `${team.callSign || team.id}`;
    card.name.title = [team.id, agencyName(team.agency)].filter(Boolean).join(" · ");
    // Another agency's team shared in summary says so plainly: no notes, no position, no names come with it.
    card.root.title = summary ? t("wall.card.summaryTitle", { agency: agencyName(team.agency) }) : "";
    card.status.textContent = Liberterra.statusText(team.status);
    card.region.textContent = region ? region.name : team.regionId;
    const seen = team.lastReportAt ? Date.parse(team.lastReportAt) : null;
    // An overdue flag says how long the team has been silent, never "just now".
    const meta = team.overdueSince
      ? (seen ? t("wall.card.silent", { duration: I18n.duration(now - seen) }) : t("wall.card.neverCheckedIn"))
      : seen ? t("wall.card.checkedIn", { ago: Liberterra.ago(seen, now) }) : t("wall.card.noReport");
    card.meta.textContent = summary ? `${t("wall.card.summary")} · ${meta}` : meta;
    card.figures.textContent = team.totals.rescued || team.totals.arrested
      ? t("wall.card.figures", { rescued: team.totals.rescued, arrested: team.totals.arrested }) : "";
    if (flash) { card.root.classList.remove("changed"); void card.root.offsetWidth; card.root.classList.add("changed"); }
  }

  function boardCapacity() {
    const node = $("board");
    const style = getComputedStyle(node);
    const columns = style.gridTemplateColumns.split(" ").filter(Boolean).length || 1;
    const row = parseFloat(style.gridAutoRows) + parseFloat(style.rowGap || "0");
    const rows = Math.max(1, Math.floor((node.clientHeight + parseFloat(style.rowGap || "0")) / row));
    return window.matchMedia("(max-width: 1100px)").matches ? Infinity : columns * rows;
  }

  function boardPages() {
    const capacity = boardCapacity();
    return Number.isFinite(capacity) ? Math.max(1, Math.ceil(board.order.length / capacity)) : 1;
  }

  function layoutBoard() {
    const node = $("board");
    const capacity = boardCapacity();
    const pages = boardPages();
    if (board.page >= pages) board.page = 0;
    const shown = Number.isFinite(capacity) ? board.order.slice(board.page * capacity, (board.page + 1) * capacity) : board.order;
    node.replaceChildren(...shown.map(id => board.cards.get(id).root));
    $("board-page").textContent = pages > 1 ? t("wall.board.page", { page: board.page + 1, pages, teams: t("count.teams", { count: board.order.length }) }) : t("count.teams", { count: board.order.length });
  }

  function nextBoardPage() {
    if (!model.op) return;
    board.page++;
    layoutBoard();
  }

  // ---- map: offline world (Natural Earth 1:110m), hotspots sized by rescues, team positions

  const map = { world: null, fitted: false, projection: null, regionNodes: new Map(), teamNodes: new Map(), layers: null };

  async function loadMap() {
    if (map.world) return;
    try {
      const response = await fetch("/lib/countries-110m.json");
      const topology = await response.json();
      map.world = topojson.feature(topology, topology.objects.countries);
      map.fitted = false;
      dirty.all = true; schedule();
    } catch { /* the wall works without the map's land; regions are still drawn */ }
  }

  /** The hotspots' bounding box with a margin (the whole world when there are none or they span it). */
  function extentOfOperation() {
    const points = [...model.regions.values()].map(r => [r.centroid.longitude, r.centroid.latitude]);
    if (points.length < 2) return { type: "Sphere" };
    const lons = points.map(p => p[0]), lats = points.map(p => p[1]);
    const west = Math.max(-180, Math.min(...lons) - 12), east = Math.min(180, Math.max(...lons) + 12);
    const south = Math.max(-85, Math.min(...lats) - 10), north = Math.min(85, Math.max(...lats) + 10);
    if (east - west > 300) return { type: "Sphere" };
    return { type: "MultiPoint", coordinates: [[west, south], [east, south], [west, north], [east, north], [(west + east) / 2, north], [(west + east) / 2, south]] };
  }

  function fitMap() {
    const node = $("map");
    const width = node.clientWidth || 800, height = node.clientHeight || 400;
    node.setAttribute("viewBox", `0 0 ${width} ${height}`);
    map.projection = d3.geoNaturalEarth1().fitExtent([[4, 4], [width - 4, height - 4]], extentOfOperation());
    const path = d3.geoPath(map.projection);
    const base = svg("g");
    base.append(svg("path", { class: "sphere", d: path({ type: "Sphere" }) }));
    base.append(svg("path", { class: "graticule", d: path(d3.geoGraticule10()) }));
    if (map.world) base.append(svg("path", { class: "land", d: path(map.world) }));
    const regions = svg("g"), teams = svg("g"), labels = svg("g");
    node.replaceChildren(base, regions, teams, labels);
    map.layers = { regions, teams, labels };
    map.regionNodes.clear();
    map.teamNodes.clear();
    map.fitted = true;
  }

  function regionHot(region, now) {
    return (region.teamIds || []).some(id => {
      const t = model.teams.get(id);
      return t && t.lastReportAt && now - Date.parse(t.lastReportAt) < HOT_MINUTES * 60000;
    });
  }

  /**
   * No two hotspot labels overlap (the Balkans and the Middle East crowd them): the biggest hotspots keep theirs; a
   * label that would overlap one already placed is hidden, its figures still in the circle's tooltip.
   */
  function declutterLabels() {
    const placed = [];
    const labels = [...map.regionNodes.entries()]
      .map(([id, node]) => ({ node, region: model.regions.get(id) }))
      .filter(l => l.region && l.node.label.textContent)
      .sort((a, b) => b.region.totals.rescued - a.region.totals.rescued);
    if (!$("map").clientWidth) return;   // not drawn (a hidden page): nothing to measure
    for (const { node } of labels) {
      let b;
      try { b = node.label.getBBox(); } catch { return; }
      const overlaps = placed.some(p => b.x < p.x + p.width && p.x < b.x + b.width && b.y < p.y + p.height && p.y < b.y + b.height);
      if (overlaps) node.label.setAttribute("visibility", "hidden");
      else { node.label.removeAttribute("visibility"); placed.push(b); }
    }
  }

  function renderMap(full) {
    if (!map.fitted || full) fitMap();
    const now = clockNow();
    const maxRescued = Math.max(1, ...[...model.regions.values()].map(r => r.totals.rescued));
    const scale = Math.min($("map").clientWidth, $("map").clientHeight * 2) / 40;
    const labelled = new Set([...model.regions.values()].sort((a, b) => b.totals.rescued - a.totals.rescued).slice(0, 14).map(r => r.id));
    const regionIds = full || dirty.regions.size ? [...model.regions.keys()] : [...new Set([...dirty.regions, ...[...dirty.teams].map(id => model.teams.get(id)?.regionId)])].filter(Boolean);
    for (const id of regionIds) {
      const r = model.regions.get(id);
      if (!r) continue;
      let node = map.regionNodes.get(id);
      if (!node) {
        node = { circle: svg("circle"), label: svg("text", { class: "region-label", "text-anchor": "middle" }), title: svg("title") };
        node.circle.append(node.title);
        map.layers.regions.append(node.circle);
        map.layers.labels.append(node.label);
        map.regionNodes.set(id, node);
      }
      const [x, y] = map.projection([r.centroid.longitude, r.centroid.latitude]) || [-100, -100];
      const radius = 3 + scale * Math.sqrt(r.totals.rescued / maxRescued);
      node.circle.setAttribute("cx", x.toFixed(1));
      node.circle.setAttribute("cy", y.toFixed(1));
      node.circle.setAttribute("r", radius.toFixed(1));
      node.circle.setAttribute("class", `region${regionHot(r, now) ? " hot" : r.totals.rescued === 0 ? " quiet" : ""}`);
      node.circle.dataset.region = id;
      node.label.dataset.region = id;
      node.title.textContent = t("wall.map.regionTitle", { name: r.name, rescued: r.totals.rescued, arrested: r.totals.arrested });
      node.label.setAttribute("x", x.toFixed(1));
      node.label.setAttribute("y", (y - radius - 3).toFixed(1));
      node.label.textContent = r.totals.rescued > 0 && labelled.has(id) ? `${r.countryCode || r.id} ${fmt(r.totals.rescued)}` : "";
    }
    declutterLabels();
    const teamIds = full ? [...model.teams.keys()] : [...dirty.teams];
    for (const id of teamIds) {
      const team = model.teams.get(id);
      let dot = map.teamNodes.get(id);
      if (!team || !team.position) { if (dot) { dot.remove(); map.teamNodes.delete(id); } continue; }
      if (!dot) { dot = svg("circle", { r: 3.5 }); dot.append(svg("title")); map.layers.teams.append(dot); map.teamNodes.set(id, dot); }
      const [x, y] = map.projection([team.position.longitude, team.position.latitude]) || [-100, -100];
      dot.setAttribute("cx", x.toFixed(1));
      dot.setAttribute("cy", y.toFixed(1));
      dot.setAttribute("class", `team s-${team.status}${team.overdueSince ? " overdue" : ""}`);
      dot.firstChild.textContent = t(team.overdueSince ? "wall.map.teamOverdue" : "wall.map.team", { name: team.callSign || team.id, status: Liberterra.statusText(team.status) });
    }
  }

  // ---- ticker

  // The words are the server's (EventText, the same on the debrief, the report and the CLI); the page adds who and
  // the note, which only some readers receive.
  function describeEntry(e) {
    const team = model.teams.get(e.teamId);
    const who = team ? (team.callSign || team.id) : (e.teamId || (e.kind.startsWith("Order") ? t("wall.ticker.command") : ""));
    const cls = e.kind === "CheckInOverdue" || e.kind === "OrderOverdue" || e.kind === "DistressRaised" || e.kind === "DistressEscalated" ? "overdue"
      : e.kind === "ReportCorrected" ? "correction" : e.kind.startsWith("Order") || e.kind.startsWith("Distress") || e.kind === "MessageSent" ? "command" : "";
    return { who, what: Liberterra.describeEvent(e.phrase, e.summary || e.kind), note: e.kind === "FieldReported" && e.report ? e.report.note : null, cls };
  }

  function renderTicker() {
    const list = $("ticker");
    if (!model.ticker.length) { list.replaceChildren(el("li", "empty", t("wall.ticker.empty"))); return; }
    list.replaceChildren(...model.ticker.map(e => {
      const d = describeEntry(e);
      const li = el("li", `${d.cls}${e.fresh ? " new" : ""}`);
      li.dataset.seq = String(e.seq);
      const what = el("span", "what", d.what);
      if (d.note) what.append(" · ", el("span", "note", t("common.quoted", { text: d.note })));
      li.append(el("span", "time", Liberterra.utcTime(new Date(e.serverTime))), el("span", "who", d.who), what);
      e.fresh = false;
      return li;
    }));
  }

  // ---- command: distress calls (the alarm above everything) and orders to the field

  // An open distress call fills the top of the screen until a commander takes it; its sound needs one click on the
  // page first (browsers allow audio only after a gesture), which the banner says while the sound is not allowed.
  const alarm = { audio: null, timer: 0 };
  document.addEventListener("click", () => {
    try {
      alarm.audio = alarm.audio || new AudioContext();
      if (alarm.audio.state === "suspended") alarm.audio.resume();
    } catch { /* no audio on this device */ }
    renderAlarm();
  });

  function openCalls() { return [...model.distress.values()].filter(d => d.open).sort((a, b) => a.seq - b.seq); }

  function renderAlarm() {
    const calls = openCalls();
    const banner = $("alarm");
    banner.hidden = calls.length === 0;
    document.body.classList.toggle("distress", calls.length > 0);
    $("alarm-calls").replaceChildren(...calls.map(d => {
      const team = model.teams.get(d.teamId);
      const region = model.regions.get(d.regionId || (team && team.regionId));
      const row = el("div", `call${d.escalatedAt ? " escalating" : ""}`);
      row.dataset.seq = String(d.seq);
      const where = d.position
        ? t(d.positionAt ? "wall.alarm.positionAt" : "wall.alarm.position", { latitude: d.position.latitude.toFixed(4), longitude: d.position.longitude.toFixed(4), time: d.positionAt ? Liberterra.utcTime(new Date(d.positionAt)) : "" })
        : t("wall.alarm.noPosition");
      row.append(el("b", null, `${t("event.distress")} · ${d.callSign || d.teamId}`), el("span", null, `${d.teamId}${region ? " · " + region.name : ""}`),
        el("span", null, t("wall.alarm.since", { time: Liberterra.utcTime(new Date(d.raisedAt)) })), el("span", "where", where),
        el("span", null, d.presses > 1 ? t("wall.alarm.presses", { count: d.presses }) : ""), el("span", null, debrief ? t("debrief.alarm.open") : t("wall.alarm.take")));
      return row;
    }));
    const allowed = alarm.audio && alarm.audio.state === "running";
    $("alarm-sound").hidden = !!allowed || debrief;   // a replay makes no sound
    if (calls.length && !alarm.timer) { beep(); alarm.timer = setInterval(beep, 2000); }
    if (!calls.length && alarm.timer) { clearInterval(alarm.timer); alarm.timer = 0; }
  }

  function beep() {
    const ctx = alarm.audio;
    if (!ctx || ctx.state !== "running" || debrief) return;
    const osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.type = "square";
    osc.frequency.setValueAtTime(880, ctx.currentTime);
    osc.frequency.setValueAtTime(660, ctx.currentTime + 0.25);
    gain.gain.setValueAtTime(0.15, ctx.currentTime);
    gain.gain.setValueAtTime(0, ctx.currentTime + 0.5);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.5);
  }

  function renderOrders() {
    const orders = [...model.orders.values()].sort((a, b) => (b.open - a.open) || (b.overdue.length > 0) - (a.overdue.length > 0) || b.seq - a.seq);
    const open = orders.filter(o => o.open).length;
    // No orders in this operation: the panel gives its room to the ticker and the sparklines.
    $("orders").closest(".orders-panel").hidden = orders.length === 0;
    $("orders-count").textContent = orders.length ? t("wall.orders.awaiting", { count: open }) : "";
    const list = $("orders");
    if (!orders.length) { list.replaceChildren(el("li", "empty", t("wall.orders.empty"))); return; }
    list.replaceChildren(...orders.map(o => {
      const acknowledged = o.answers.filter(a => a.answer === "Acknowledged").length;
      const unable = o.answers.filter(a => a.answer === "Unable").length;
      const late = o.open && o.overdue.some(t => !o.answers.some(a => a.teamId === t));
      const li = el("li", o.cancelledAt ? "cancelled done" : late ? "overdue" : o.open ? "" : "done");
      li.dataset.seq = String(o.seq);
      const target = o.scope === "All" ? t("target.all") : o.scope === "Region" ? (model.regions.get(o.targetId)?.name || o.targetId)
        : (model.teams.get(o.targetId)?.callSign || o.targetId);
      const acks = o.cancelledAt ? t("wall.orders.cancelled")
        : [t("wall.orders.acks", { acknowledged, recipients: o.recipients.length }), unable ? t("wall.orders.unable", { count: unable }) : null, late ? t("wall.orders.overdue") : null].filter(Boolean).join(" · ");
      li.append(el("span", "kind", `#${o.seq} ${t(`orderKind.${o.kind}`)}`), el("span", "text", `${target}: ${o.text}`), el("span", "acks", acks));
      return li;
    }));
  }

  // ---- sparklines: rescues per hour, last 24 h, busiest hotspots first

  function renderSparks() {
    const node = $("sparks");
    const a = model.activity;
    if (!a) { node.replaceChildren(el("div", "muted", t("wall.sparks.loading"))); return; }
    const rows = [...model.regions.values()].map(r => {
      const series = a.rescued.get(r.id) || new Array(a.buckets).fill(0);
      return { r, series, sum: series.reduce((x, y) => x + y, 0) };
    }).sort((x, y) => y.sum - x.sum || y.r.totals.rescued - x.r.totals.rescued || x.r.name.localeCompare(y.r.name));
    const peak = Math.max(1, ...rows.map(row => Math.max(...row.series)));
    node.replaceChildren(...rows.map(({ r, series, sum }) => {
      const box = el("div", "spark");
      box.dataset.region = r.id;
      const width = 100, height = 20;
      const points = series.map((v, i) => `${(i / Math.max(1, series.length - 1) * width).toFixed(1)},${(height - Math.max(0, v) / peak * (height - 2) - 1).toFixed(1)}`);
      const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img", "aria-label": t("wall.sparks.chart", { name: r.name, count: sum }) });
      chart.append(svg("polygon", { class: "area", points: `0,${height} ${points.join(" ")} ${width},${height}` }), svg("polyline", { points: points.join(" ") }));
      box.append(el("span", "name", r.name), chart, el("span", "sum", fmt(sum)));
      return box;
    }));
  }

  // ---------------------------------------------------------------- boot (last: everything above is defined)

  Liberterra.adoptTokenFromFragment();
  $("signin-form").addEventListener("submit", event => {
    event.preventDefault();
    const value = $("token-input").value.trim();
    if (!value || !Liberterra.claims(value)) { $("signin-error").textContent = t("signin.notCredential"); return; }
    if (Liberterra.expired(value)) { $("signin-error").textContent = t("signin.expired"); return; }
    Liberterra.setToken(value);
    $("overlay").hidden = true;
    begin();
  });
  // The words first (web/i18n.js), then the wall and its clocks: nothing is written before the catalog is there.
  I18n.ready.then(() => {
    I18n.picker($("lang"));
    setInterval(tickClock, 250);   // four times a second: an exercise's compressed clock moves minutes a second
    // While not live, the line keeps counting ("since 15:33:08 UTC (12 s ago)"), never a "just now" that stays.
    setInterval(() => { if (connection.state !== "live") renderConnectionDetail(); }, 1000);
    // "N min ago" and the hot markers age: redrawn every 30 s of the operation's time (each second on an exercise's
    // compressed clock, where 30 s pass in a blink).
    let aged = 0;
    setInterval(() => { if (Math.abs(clockNow() - aged) >= 30000) { aged = clockNow(); dirty.all = true; schedule(); } }, 1000);
    setInterval(nextBoardPage, BOARD_PAGE_SECONDS * 1000);
    window.addEventListener("resize", () => { map.fitted = false; dirty.all = true; schedule(); });
    tickClock();
    begin();
  });
})();
