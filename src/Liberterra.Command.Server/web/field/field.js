// The field page. A report is written to the device's outbox first (localStorage, with its idempotency key), then
// sent; it stays there, shown as "queued", until the server acknowledges it with its sequence number. The same key
// is used for every attempt, so a report is never counted twice, whatever the network does. A report the server
// refuses is kept, with the reason next to the field concerned, to be fixed and sent again (same key: it was never
// stored), or discarded.
// Over 400 lines on purpose: the outbox, the form and the team's state it is built from share this closure (the page
// loads one plain script, offline, with no bundler); what it shares with the other pages is in common.js.
"use strict";

(() => {
  const { el, api, fmt } = Liberterra;
  const { t } = I18n;
  const $ = id => document.getElementById(id);
  const KEYS = { op: "liberterra.field.op", team: "liberterra.field.team", outbox: "liberterra.field.outbox", lifecycle: "liberterra.field.lifecycle" };
  const FIELDS = ["children", "women", "men", "arrested"];
  const MAX_COUNT = 1000;

  const state = {
    op: null,
    team: null,
    teams: [],
    view: null,            // the team as last read from the server (cached for offline use)
    operation: null,       // the operation's name, window, drill flag and clock (an exercise's may be compressed)
    lifecycle: null,       // status -> statuses allowed next (from /lifecycle.json)
    form: { status: null, counts: { children: 0, women: 0, men: 0, arrested: 0 }, position: null },
    editing: null,         // key of a refused report being fixed
    correcting: null,      // seq of a report being corrected
    syncing: false,
    retryAt: 0,
    attempt: 0,
    lastProblem: "",
    orders: null,          // the team's orders and distress call from command (TeamOrdersView; cached for offline use)
    alerted: new Set(),    // orders already announced with sound and vibration
    hub: null,             // the field hub's connection (orders and distress changes, live)
  };
  window.liberterraField = state;   // for tests and the curious

  // ------------------------------------------------------------------ storage

  const outbox = {
    all() { try { return JSON.parse(localStorage.getItem(KEYS.outbox) || "[]"); } catch { return []; } },
    save(items) { localStorage.setItem(KEYS.outbox, JSON.stringify(items)); },
    update(key, change) {
      const items = outbox.all();
      const item = items.find(i => i.key === key);
      if (item) { Object.assign(item, change); outbox.save(items); }
      return item;
    },
    add(item) { const items = outbox.all(); items.push(item); outbox.save(items); },
    remove(key) { outbox.save(outbox.all().filter(i => i.key !== key)); },
    mine() { return outbox.all().filter(i => i.op === state.op && i.team === state.team); },
  };

  function viewKey() { return `liberterra.field.view.${state.op}.${state.team}`; }
  function ordersKey() { return `liberterra.field.orders.${state.op}.${state.team}`; }
  function operationKey(op) { return `liberterra.field.operation.${op}`; }

  // ------------------------------------------------------------------ start

  Liberterra.adoptTokenFromFragment();
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/field-sw.js", { scope: "/field" }).catch(() => {});
  // The words first (web/i18n.js), then the page: nothing is shown in a language that is about to change.
  I18n.ready.then(() => {
    wireForm();
    window.addEventListener("online", () => { state.retryAt = 0; renderNet(); refresh(); sync(); });
    window.addEventListener("offline", renderNet);
    setInterval(() => { if (Date.now() >= state.retryAt) sync(); }, 3000);
    // The team as stored changes from other devices too: read it again whenever the lead comes back to the page, and
    // now and then, whether or not anything is queued here.
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") refresh(); });
    window.addEventListener("focus", () => refresh());
    setInterval(() => { if (navigator.onLine && !$("app").hidden) refresh(); }, 30000);
    I18n.picker($("lang"));
    start();
  });

  function start() {
    const claims = Liberterra.claims();
    const fromPath = decodeURIComponent(location.pathname.replace(/^\/field\/?/, "").replace(/\/$/, ""));
    state.op = fromPath || localStorage.getItem(KEYS.op) || [].concat(claims?.op || [])[0] || null;
    if (!Liberterra.token() || !claims || claims.role !== "team-lead" || !state.op) { showSignIn(); return; }
    if (Liberterra.expired()) { showSignIn(t("field.signin.expired")); return; }
    localStorage.setItem(KEYS.op, state.op);
    state.teams = [].concat(claims.team || []);
    if (!state.teams.length) { showSignIn(t("field.signin.noTeam")); return; }
    const saved = localStorage.getItem(KEYS.team);
    state.team = state.teams.includes(saved) ? saved : state.teams[0];
    $("signin").hidden = true;
    $("app").hidden = false;
    renderTeamSelect();
    state.view = JSON.parse(localStorage.getItem(viewKey()) || "null");
    state.orders = JSON.parse(localStorage.getItem(ordersKey()) || "null");
    state.lifecycle = JSON.parse(localStorage.getItem(KEYS.lifecycle) || "null");
    renderAll();
    refresh();
    sync();
    connectHub();
  }

  function showSignIn(message) {
    $("app").hidden = true;
    $("signin").hidden = false;
    $("signin-op").value = state.op || localStorage.getItem(KEYS.op) || "";
    setError("token", message || "");
  }

  async function refresh() {
    if ($("app").hidden || !state.op || !state.team) return;   // signed out: nothing to read, and the sign-in stays as it is
    const op = state.op, team = state.team;
    try {
      if (!state.lifecycle) {
        state.lifecycle = await (await fetch("/lifecycle.json")).json();
        localStorage.setItem(KEYS.lifecycle, JSON.stringify(state.lifecycle));
      }
      if (!state.operation || state.operation.id !== op) {
        state.operation = JSON.parse(localStorage.getItem(operationKey(op)) || "null");
        // The operation's name, window and clock: kept for offline use; without it, ages are counted in real time.
        try {
          const header = await api(`/api/operations/${enc(op)}/teams/${enc(team)}/operation`);
          if (op === state.op) { state.operation = header; localStorage.setItem(operationKey(op), JSON.stringify(header)); }
        } catch (error) {
          if (error instanceof Liberterra.ProblemError && error.status === 401) throw error;
        }
      }
      // At least as of the newest acknowledgement held here: the server's views are updated one-way after each commit.
      const view = await api(`/api/operations/${enc(op)}/teams/${enc(team)}?minSeq=${newestAcknowledged()}`);
      // Answers can cross: one for a team no longer shown is dropped, and never an older view than the one held.
      if (op !== state.op || team !== state.team || view.id !== team) return;
      if (!state.view || state.view.id !== view.id || view.lastSeq >= state.view.lastSeq) {
        state.view = view;
        localStorage.setItem(viewKey(), JSON.stringify(state.view));
      }
      const orders = await api(`/api/operations/${enc(op)}/teams/${enc(team)}/orders`);
      if (op === state.op && team === state.team) takeOrders(orders);
      state.lastProblem = "";
    } catch (error) {
      if (error instanceof Liberterra.ProblemError) {
        if (error.status === 401) { showSignIn(t("field.signin.expired")); return; }
        state.lastProblem = error.message;
      }
      // Otherwise no network: the cached view stays.
    }
    renderAll();
  }

  // ------------------------------------------------------------------ the form

  function wireForm() {
    $("signin-form").addEventListener("submit", event => {
      event.preventDefault();
      const token = $("signin-token").value.trim();
      const op = $("signin-op").value.trim();
      const claims = Liberterra.claims(token);
      setError("token", "");
      setError("operation", "");
      if (!op) { setError("operation", t("field.signin.whichOperation")); return; }
      if (!claims) { setError("token", t("signin.notCredential")); return; }
      if (Liberterra.expired(token)) { setError("token", t("signin.expired")); return; }
      if (claims.role !== "team-lead") { setError("token", t("field.signin.notLead")); return; }
      Liberterra.setToken(token);
      localStorage.setItem(KEYS.op, op);
      if (!location.pathname.startsWith(`/field/${op}`)) history.replaceState(null, "", `/field/${enc(op)}`);
      start();
    });
    $("team-select").addEventListener("change", () => {
      state.team = $("team-select").value;
      localStorage.setItem(KEYS.team, state.team);
      state.view = JSON.parse(localStorage.getItem(viewKey()) || "null");
      state.orders = JSON.parse(localStorage.getItem(ordersKey()) || "null");
      resetForm();
      renderAll();
      refresh();
      connectHub();
    });
    for (const stepper of document.querySelectorAll(".stepper")) {
      const field = stepper.dataset.field;
      stepper.querySelector(".plus").addEventListener("click", () => step(field, +1));
      stepper.querySelector(".minus").addEventListener("click", () => step(field, -1));
    }
    $("use-position").addEventListener("change", () => {
      state.form.position = null;
      $("position-text").textContent = "";
      setError("position", "");
      if (!$("use-position").checked) return;
      if (!navigator.geolocation) { setError("position", t("field.position.unsupported")); $("use-position").checked = false; return; }
      $("position-text").textContent = t("field.position.finding");
      navigator.geolocation.getCurrentPosition(p => {
        state.form.position = { latitude: round(p.coords.latitude), longitude: round(p.coords.longitude) };
        $("position-text").textContent = t("field.position.found", { latitude: state.form.position.latitude.toFixed(5), longitude: state.form.position.longitude.toFixed(5), accuracy: Math.round(p.coords.accuracy) });
      }, error => {
        $("use-position").checked = false;
        $("position-text").textContent = "";
        setError("position", error.code === 1 ? t("field.position.denied") : t("field.position.unavailable"));
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
    wireDistress();
    $("report-form").addEventListener("submit", event => { event.preventDefault(); submitReport(); });
    $("correction-form").addEventListener("submit", event => { event.preventDefault(); submitCorrection(); });
    $("corr-cancel").addEventListener("click", () => { state.correcting = null; $("correction").hidden = true; });
    $("signout").addEventListener("click", event => {
      event.preventDefault();
      Liberterra.clearToken();
      showSignIn(t("field.signin.signedOut"));
    });
  }

  function step(field, delta) {
    const value = Math.max(0, Math.min(MAX_COUNT, state.form.counts[field] + delta));
    state.form.counts[field] = value;
    document.querySelector(`.stepper[data-field="${field}"] output`).textContent = String(value);
    setError(field, "");
  }

  function round(x) { return Math.round(x * 1e5) / 1e5; }
  function enc(s) { return encodeURIComponent(s); }

  /**
   * The team's status as stored, as far as this device knows: the last view read, unless a report acknowledged here
   * came after it (its re-read was lost): then that report's status. Never older than the last acknowledgement held.
   */
  function knownStatus() {
    const seen = state.view ? state.view.lastSeq : 0;
    let status = state.view ? state.view.status : "Standby";
    let newest = seen;
    for (const item of outbox.mine()) {
      if (item.kind === "report" && item.state === "acknowledged" && item.seq > newest && item.body.status) { status = item.body.status; newest = item.seq; }
    }
    return status;
  }

  /** The number of the newest report or correction of this team acknowledged on this device (0: none). */
  function newestAcknowledged() {
    let newest = 0;
    for (const item of outbox.mine()) if (item.state === "acknowledged" && item.seq > newest) newest = item.seq;
    return newest;
  }

  /** The status the team will be in once everything queued here is accepted. */
  function projectedStatus() {
    let status = knownStatus();
    for (const item of outbox.mine()) if (item.kind === "report" && item.state === "queued" && item.body.status) status = item.body.status;
    return status;
  }

  function collectReport() {
    const body = {};
    if (state.form.status) body.status = state.form.status;
    for (const f of FIELDS) if (state.form.counts[f]) body[f] = state.form.counts[f];
    const types = [...document.querySelectorAll("#types input:checked")].map(i => i.value);
    if (types.length) body.exploitationTypes = types;
    const note = $("note").value.trim();
    if (note) body.note = note;
    if (state.form.position) body.position = state.form.position;
    return body;
  }

  function submitReport() {
    clearErrors();
    const body = collectReport();
    if (Object.keys(body).length === 0) { $("form-error").textContent = t("field.report.empty"); return; }
    if ((body.note || "").length > 1000) { setError("note", Liberterra.ruleText({ field: "note", code: "too-long", args: { max: "1000", length: String(body.note.length) } })); return; }
    if (state.editing) {
      // A refused report, fixed: same key (it was never stored), sent again in its place.
      outbox.update(state.editing, { body: Object.assign(body, { clientTime: nowIso() }), state: "queued", problem: null });
      state.editing = null;
    } else {
      outbox.add({ key: crypto.randomUUID(), kind: "report", op: state.op, team: state.team, body: Object.assign(body, { clientTime: nowIso() }),
        createdAt: nowIso(), state: "queued" });
    }
    resetForm();
    renderAll();
    state.retryAt = 0;
    sync();
  }

  function submitCorrection() {
    for (const e of document.querySelectorAll("[data-corr-for]")) e.textContent = "";
    $("corr-error").textContent = "";
    const body = { corrects: state.correcting };
    for (const f of FIELDS) {
      const v = Number($(`corr-${f}`).value || 0);
      if (!Number.isInteger(v)) { document.querySelector(`[data-corr-for="children"]`).textContent = t("field.correction.whole"); return; }
      if (v) body[f] = v;
    }
    const reason = $("corr-reason").value.trim();
    if (!reason) { document.querySelector(`[data-corr-for="reason"]`).textContent = t("field.correction.why"); return; }
    if (FIELDS.every(f => !body[f])) { $("corr-error").textContent = t("field.correction.nothing"); return; }
    body.reason = reason;
    body.clientTime = nowIso();
    outbox.add({ key: crypto.randomUUID(), kind: "correction", op: state.op, team: state.team, body, createdAt: nowIso(), state: "queued" });
    state.correcting = null;
    $("correction").hidden = true;
    renderAll();
    state.retryAt = 0;
    sync();
  }

  function resetForm() {
    state.form = { status: null, counts: { children: 0, women: 0, men: 0, arrested: 0 }, position: null };
    for (const o of document.querySelectorAll(".stepper output")) o.textContent = "0";
    for (const c of document.querySelectorAll("#types input")) c.checked = false;
    $("note").value = "";
    $("use-position").checked = false;
    $("position-text").textContent = "";
    $("send").textContent = t("field.send");
    clearErrors();
  }

  function loadIntoForm(item) {
    resetForm();
    state.editing = item.key;
    const b = item.body;
    state.form.status = b.status || null;
    for (const f of FIELDS) { state.form.counts[f] = b[f] || 0; document.querySelector(`.stepper[data-field="${f}"] output`).textContent = String(b[f] || 0); }
    for (const c of document.querySelectorAll("#types input")) c.checked = (b.exploitationTypes || []).includes(c.value);
    $("note").value = b.note || "";
    state.form.position = b.position || null;
    $("send").textContent = t("field.sendAgain");
    showProblem(item.problem);
    renderStatusButtons();
    scrollToSection($("report-form"));
  }

  function nowIso() { return new Date().toISOString(); }

  /** Scrolls a section to just below the sticky bar (whose height depends on the phone and the team's name), not under it. */
  function scrollToSection(node) {
    const bar = document.querySelector(".bar");
    const top = node.getBoundingClientRect().top + window.scrollY - (bar ? bar.offsetHeight : 0) - 8;
    window.scrollTo({ top: Math.max(0, top), behavior: "smooth" });
  }

  // ------------------------------------------------------------------ errors next to their fields

  function setError(field, text) {
    for (const e of document.querySelectorAll(`[data-for="${field}"]`)) e.textContent = text || "";
  }

  function clearErrors() {
    for (const e of document.querySelectorAll("#report-form [data-for]")) e.textContent = "";
    $("form-error").textContent = "";
  }

  /**
   * Puts a refusal next to the fields it names, in the page's language (each rule by its stable code: common.js);
   * whatever names no field on the form goes under it. Said once.
   */
  function showProblem(problem) {
    clearErrors();
    if (!problem) return;
    let placed = false;
    const elsewhere = [];
    for (const rule of [].concat(problem.rules || [])) {
      const field = String(rule.field || "").replace(/\[\d+\]/g, "").split(".")[0];
      const slot = field && document.querySelector(`#report-form [data-for="${field}"]`);
      const text = Liberterra.ruleText(rule);
      if (!slot) { elsewhere.push(text); continue; }
      slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
      placed = true;
    }
    if (!placed) $("form-error").textContent = Liberterra.describeProblem(problem.status, problem);
    else if (elsewhere.length) $("form-error").textContent = elsewhere.join(" ");
  }

  /** The outbox's line for a refused report: the short reason, the full sentences being by the form. */
  function shortReason(problem) {
    const fields = [...new Set([].concat(problem.rules || []).map(r => Liberterra.fieldName(r.field)).filter(Boolean))];
    return fields.length ? t("field.outbox.fix.fields", { fields: I18n.list(fields) }) : Liberterra.describeProblem(problem.status, problem);
  }

  // ------------------------------------------------------------------ sending

  async function sync() {
    if (state.syncing || !state.op || !Liberterra.token()) return;
    if (!outbox.all().some(i => i.state === "queued")) return;
    state.syncing = true;
    let answered = false;   // the server said something about a report: re-read the team afterwards
    renderNet("sending");
    try {
      // A distress call goes first, whatever was queued before it.
      const queued = outbox.all().filter(i => i.state === "queued").sort((a, b) => (b.kind === "distress") - (a.kind === "distress"));
      for (const item of queued) {
        const path = `/api/operations/${enc(item.op)}/teams/${enc(item.team)}/${pathOf(item)}`;
        let response;
        try {
          response = await fetch(path, {
            method: "POST",
            headers: { "Content-Type": "application/json", "Idempotency-Key": item.key, "Authorization": `Bearer ${Liberterra.token()}` },
            body: JSON.stringify(item.body),
            cache: "no-store",
          });
        } catch {
          backOff(t("field.net.noNetwork"));
          return;
        }
        const text = await response.text();
        let body = null;
        try { body = text ? JSON.parse(text) : null; } catch { body = null; }
        if (response.status === 201 || response.status === 200) {
          outbox.update(item.key, { state: "acknowledged", seq: body.seq, acknowledgedAt: nowIso(), problem: null });
          if (body.teamOrder) mergeOrder(body.teamOrder);
          if (body.distress) mergeDistress(body.distress);
          state.attempt = 0;
          answered = true;
          continue;
        }
        if (response.status === 401) {
          showSignIn(t("field.signin.expiredQueued"));
          return;
        }
        if (response.status === 429 || response.status >= 500) {
          backOff(Liberterra.describeProblem(response.status, body));
          return;
        }
        // Refused for what it says (an illegal status change, a count out of range...): kept to be fixed.
        outbox.update(item.key, { state: "rejected", problem: Object.assign({ status: response.status }, body || {}) });
        answered = true;
      }
      state.retryAt = 0;
      state.lastProblem = "";
    } finally {
      state.syncing = false;
      renderAll();
      if (answered) refresh();
      // Queued while this round was sending (a distress call, an answer): sent now, not at the next tick.
      if (outbox.all().some(i => i.state === "queued") && Date.now() >= state.retryAt) setTimeout(sync, 0);
    }
  }

  function backOff(reason) {
    state.attempt = Math.min(state.attempt + 1, 5);
    state.retryAt = Date.now() + Math.min(30000, 1000 * 2 ** state.attempt);
    state.lastProblem = reason;
  }

  // ------------------------------------------------------------------ rendering

  function renderAll() {
    renderOrders();
    renderTeam();
    renderStatusButtons();
    renderOutbox();
    renderNet();
    const refused = outbox.mine().find(i => i.state === "rejected" && (i.kind === "report" || i.kind === "correction"));
    if (refused && state.editing !== refused.key && !state.editing) loadIntoForm(refused);
  }

  function renderTeamSelect() {
    const select = $("team-select");
    select.hidden = state.teams.length < 2;
    select.replaceChildren(...state.teams.map(t => { const o = el("option", null, t); o.value = t; o.selected = t === state.team; return o; }));
  }

  function renderTeam() {
    const v = state.view;
    // Call signs and ids are Latin data: each is isolated, so an Arabic page keeps "Raid Argentina 1 · AR-RAID-01" in order.
    if (v) $("team-title").replaceChildren(el("bdi", null, v.callSign), " · ", el("bdi", null, v.id));
    else $("team-title").textContent = state.team || t("field.title");
    const projected = projectedStatus();
    const queued = projected !== knownStatus();
    $("team-status").textContent = queued ? t("field.status.queued", { status: Liberterra.statusText(projected) }) : Liberterra.statusText(projected);
    const statusNow = el("span", null, Liberterra.statusText(projected));
    statusNow.id = "status-now";
    I18n.fill($("status-now-line"), "field.status.now", { status: statusNow });
    // Ages on the operation's clock: an exercise's may run faster than this phone's.
    const o = state.operation && state.operation.id === state.op ? state.operation : null;
    const now = Liberterra.operationNow(o);
    $("team-seen").textContent = v && v.lastReportAt ? t("field.team.lastReport", { ago: Liberterra.ago(Date.parse(v.lastReportAt), now) }) : v ? t("field.team.noReport") : t("field.team.notLoaded");
    $("exercise").hidden = !(o && o.exercise);
    $("exercise").textContent = o && o.clockSpeed > 1 ? t("common.exerciseClock", { speed: o.clockSpeed }) : t("common.exerciseNotReal");
    const tally = v ? v.totals : null;
    const totals = $("team-totals");
    totals.replaceChildren();
    if (tally) {
      I18n.fill(totals, "field.team.totals", { rescued: el("b", null, fmt(tally.rescued)), children: tally.children, women: tally.women, men: tally.men, arrested: el("b", null, fmt(tally.arrested)) });
    }
    if (v && v.overdueSince) totals.append(el("div", "field-error", t("field.team.overdue")));
  }

  function renderStatusButtons() {
    const current = projectedStatus();
    const next = state.lifecycle ? state.lifecycle[current] || [] : (state.view && state.view.status === current ? state.view.allowedNext : []);
    const options = [current, ...next];
    if (state.form.status && !options.includes(state.form.status)) options.push(state.form.status);   // a refused one being fixed
    $("status-buttons").replaceChildren(...options.map(s => {
      const b = el("button", null, s === current ? t("field.status.checkIn", { status: Liberterra.statusText(s) }) : Liberterra.statusText(s));
      b.type = "button";
      b.dataset.status = s;
      b.setAttribute("role", "radio");
      b.setAttribute("aria-checked", String(state.form.status === s));
      b.addEventListener("click", () => {
        state.form.status = state.form.status === s ? null : s;
        setError("status", "");
        renderStatusButtons();
      });
      return b;
    }));
  }

  /** A device's item in words: "En Route · 2 children · “note”", "correction of #5: −1 child · miscounted". */
  function describe(item) {
    const b = item.body;
    if (item.kind === "answer") return [t(`answer.${b.answer === "Unable" ? "Unable" : "Acknowledged"}`), t("field.outbox.order", { order: String(item.orderSeq) }), b.reason].filter(Boolean).join(" · ");
    if (item.kind === "distress") return [t("event.distress"), b.position ? t("field.outbox.position") : null].filter(Boolean).join(" · ");
    if (item.kind === "distress-cancel") return [t("event.distressWithdrawn", { distress: String(item.distressSeq) }), b.reason].filter(Boolean).join(" · ");
    const parts = [];
    if (item.kind === "correction") parts.push(t("event.correction", { seq: String(b.corrects), changes: Liberterra.countsText(b) || t("event.noChange") }), b.reason);
    else {
      if (b.status) parts.push(Liberterra.statusText(b.status));
      parts.push(Liberterra.countsText(b, false));
    }
    if (b.exploitationTypes) parts.push(I18n.list(b.exploitationTypes.map(x => t(`exploitation.${x}`))));
    if (b.position) parts.push(t("field.outbox.position"));
    if (b.note) parts.push(t("common.quoted", { text: b.note }));
    return parts.filter(Boolean).join(" · ") || t("event.checkIn");
  }

  function renderOutbox() {
    const items = outbox.mine().slice().reverse();
    const list = $("outbox");
    if (!items.length) { list.replaceChildren(el("li", "muted", t("field.outbox.empty"))); return; }
    list.replaceChildren(...items.slice(0, 50).map(item => {
      const li = el("li", item.state);
      li.dataset.key = item.key;
      const head = el("div", "head");
      const label = item.state === "acknowledged" ? t("field.outbox.acknowledged", { seq: String(item.seq) }) : item.state === "rejected" ? t("field.outbox.rejected") : t("field.outbox.queued");
      head.append(el("span", "state", label), el("span", "muted", I18n.localTime(new Date(item.createdAt))));
      li.append(head, el("div", "what", describe(item)));
      if (item.state === "rejected" && item.problem) li.append(el("div", "problem", shortReason(item.problem)));
      const actions = el("div", "actions");
      if (item.state === "rejected") {
        const fix = el("button", null, t("field.outbox.fix"));
        fix.type = "button";
        fix.addEventListener("click", () => loadIntoForm(item));
        const drop = el("button", null, t("field.outbox.discard"));
        drop.type = "button";
        drop.addEventListener("click", () => {
          outbox.remove(item.key);
          if (state.editing === item.key) { state.editing = null; resetForm(); }
          renderAll();
        });
        actions.append(fix, drop);
      }
      if (item.state === "acknowledged" && item.kind === "report") {
        const correct = el("button", null, t("field.outbox.correct"));
        correct.type = "button";
        correct.addEventListener("click", () => {
          state.correcting = item.seq;
          $("corr-title").textContent = t("field.correction.title", { seq: String(item.seq) });
          for (const f of FIELDS) $(`corr-${f}`).value = "0";
          $("corr-reason").value = "";
          $("correction").hidden = false;
          scrollToSection($("correction"));
        });
        actions.append(correct);
      }
      if (actions.childElementCount) li.append(actions);
      return li;
    }));
  }

  // ------------------------------------------------------------------ command: orders and distress

  function pathOf(item) {
    switch (item.kind) {
      case "correction": return "corrections";
      case "answer": return `orders/${item.orderSeq}/answer`;
      case "distress": return "distress";
      case "distress-cancel": return `distress/${item.distressSeq}/cancel`;
      default: return "reports";
    }
  }

  /** The team's orders and distress call from the server (GET or JoinTeam): never older than what is held. */
  function takeOrders(view) {
    if (!view || view.teamId !== state.team) return;
    if (state.orders && state.orders.teamId === view.teamId && view.lastSeq < state.orders.lastSeq) return;
    state.orders = view;
    saveOrders();
  }

  function saveOrders() {
    localStorage.setItem(ordersKey(), JSON.stringify(state.orders));
    renderOrders();
  }

  function mergeOrder(order) {
    if (!state.orders) state.orders = { operationId: state.op, teamId: state.team, lastSeq: 0, orders: [], distress: null };
    const held = state.orders.orders.find(o => o.seq === order.seq);
    if (held && held.lastSeq > order.lastSeq) return;
    state.orders.orders = [order, ...state.orders.orders.filter(o => o.seq !== order.seq)].sort((a, b) => b.seq - a.seq);
    state.orders.lastSeq = Math.max(state.orders.lastSeq, order.lastSeq);
    saveOrders();
  }

  function mergeDistress(call) {
    if (!state.orders) state.orders = { operationId: state.op, teamId: state.team, lastSeq: 0, orders: [], distress: null };
    const held = state.orders.distress;
    if (held && (held.seq > call.seq || (held.seq === call.seq && held.lastSeq > call.lastSeq))) return;
    state.orders.distress = call;
    state.orders.lastSeq = Math.max(state.orders.lastSeq, call.lastSeq);
    saveOrders();
  }

  /** Live changes from command (the field hub); on every (re)connect the whole view again, as after being offline. */
  function connectHub() {
    if (typeof signalR === "undefined" || !state.op || !state.team) return;
    if (state.hub && state.hub.liberterraFor === `${state.op}/${state.team}` && state.hub.state !== "Disconnected") return;
    if (state.hub) state.hub.stop().catch(() => {});
    const op = state.op, team = state.team;
    const hub = new signalR.HubConnectionBuilder()
      .withUrl("/hubs/field", { accessTokenFactory: () => Liberterra.token() || "" })
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => Math.min(1000 * 2 ** ctx.previousRetryCount, 15000) })
      .configureLogging(signalR.LogLevel.None)
      .build();
    state.hub = hub;
    hub.liberterraFor = `${op}/${team}`;
    hub.on("teamChanged", change => {
      if (change.operationId !== state.op || change.teamId !== state.team) return;
      if (change.order) mergeOrder(change.order);
      if (change.distress) mergeDistress(change.distress);
    });
    const join = () => hub.invoke("JoinTeam", op, team).then(takeOrders).catch(() => {});
    hub.onreconnected(join);
    hub.onclose(() => { if (state.hub === hub) setTimeout(() => { if (state.hub === hub) connectHub(); }, 5000); });
    hub.start().then(join).catch(() => { if (state.hub === hub) setTimeout(() => { if (state.hub === hub) connectHub(); }, 5000); });
  }

  /** Whether this device has an answer to the order waiting or given. */
  function localAnswer(seq) {
    return outbox.mine().find(i => i.kind === "answer" && i.orderSeq === seq && i.state !== "rejected");
  }

  function answer(order, kind, reason) {
    const body = { answer: kind, clientTime: nowIso() };
    if (reason) body.reason = reason;
    outbox.add({ key: crypto.randomUUID(), kind: "answer", orderSeq: order.seq, op: state.op, team: state.team, body, createdAt: nowIso(), state: "queued" });
    renderAll();
    state.retryAt = 0;
    sync();
  }

  function renderOrders() {
    const box = $("orders");
    const orders = state.orders && state.orders.teamId === state.team ? state.orders.orders : [];
    const open = orders.filter(o => o.state === "open" && !localAnswer(o.seq));
    const recent = orders.filter(o => !open.includes(o)).slice(0, 3);
    box.hidden = !open.length && !recent.length;
    const now = Liberterra.operationNow(state.operation && state.operation.id === state.op ? state.operation : null);
    box.replaceChildren(...open.map(o => {
      const card = el("article", `order${o.overdue ? " overdue" : ""}`);
      card.dataset.seq = String(o.seq);
      card.setAttribute("aria-label", t("field.order.label", { order: String(o.seq), kind: t(`orderKind.${o.kind}`) }));
      const meta = [t("field.order.from", { order: String(o.seq), by: o.issuedBy, time: I18n.localTime(new Date(o.issuedAt)) })];
      if (o.dueBy) meta.push(o.overdue ? t("field.order.wasDue", { time: I18n.localTime(new Date(o.dueBy)) })
        : t("field.order.answerBy", { time: I18n.localTime(new Date(o.dueBy)), left: I18n.duration(Math.max(0, Date.parse(o.dueBy) - now)) }));
      if (o.place) meta.push(t("field.order.place", { latitude: o.place.latitude.toFixed(5), longitude: o.place.longitude.toFixed(5) }));
      const row = el("div", "answer-row");
      const ack = el("button", "ack", t("answer.Acknowledged"));
      ack.type = "button";
      ack.setAttribute("aria-label", t("field.order.ackLabel", { order: String(o.seq) }));
      ack.addEventListener("click", () => answer(o, "Acknowledged"));
      const unable = el("button", "unable", t("answer.Unable"));
      unable.type = "button";
      unable.setAttribute("aria-label", t("field.order.unableLabel", { order: String(o.seq) }));
      const form = el("form", "unable-form");
      form.hidden = true;
      const input = el("input");
      input.maxLength = 500;
      input.placeholder = t("field.order.why");
      input.setAttribute("aria-label", t("field.order.whyLabel", { order: String(o.seq) }));
      const send = el("button", null, t("field.order.sendUnable"));
      send.type = "submit";
      const error = el("div", "field-error");
      form.append(input, send, error);
      form.addEventListener("submit", event => {
        event.preventDefault();
        if (!input.value.trim()) { error.textContent = t("field.order.whyRequired"); return; }
        answer(o, "Unable", input.value.trim());
      });
      unable.addEventListener("click", () => { form.hidden = false; input.focus(); });
      row.append(ack, unable);
      card.append(el("div", "kind", t(`orderKind.${o.kind}`)), el("div", "text", o.text), el("div", "meta", meta.join(" · ")), row, form);
      return card;
    }), ...recent.map(o => {
      const given = localAnswer(o.seq);
      const card = el("article", "order answered");
      card.dataset.seq = String(o.seq);
      const what = o.state === "open" && given ? (given.state === "queued" ? t("field.order.answerQueued", { answer: t(`answer.${given.body.answer}`) }) : t(`answer.${given.body.answer}`))
        : o.state === "cancelled" ? [t("field.order.cancelled"), o.cancelReason].filter(Boolean).join(": ") : o.state === "unable" ? [t("answer.Unable"), o.reason].filter(Boolean).join(": ") : t("answer.Acknowledged");
      card.append(el("div", "kind", `#${o.seq} ${t(`orderKind.${o.kind}`)} · ${what}`), el("div", "meta", o.text));
      return card;
    }));
    // A new order: sound and vibration where the device allows, once per order.
    const fresh = open.filter(o => !state.alerted.has(o.seq));
    for (const o of open) state.alerted.add(o.seq);
    if (fresh.length) alertLead();
    renderDistress();
  }

  // Browsers allow vibration and sound only once the lead has touched the page (a fresh page after a reload has not):
  // then the order's card alone, above everything, is the alert.
  function alertLead() {
    if (navigator.userActivation && !navigator.userActivation.hasBeenActive) return;
    try { if (navigator.vibrate) navigator.vibrate([300, 150, 300, 150, 300]); } catch { /* not allowed */ }
    try {
      const ctx = new AudioContext();
      const osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 988;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.6);
      osc.onended = () => ctx.close();
    } catch { /* no audio before a gesture on this device */ }
  }

  function renderDistress() {
    const box = $("distress-state");
    const queued = outbox.mine().find(i => i.kind === "distress" && i.state === "queued");
    const call = state.orders && state.orders.teamId === state.team ? state.orders.distress : null;
    box.classList.remove("taken");
    if (queued) {
      box.hidden = false;
      box.replaceChildren(el("b", null, t("field.distress.queued")), el("div", null, t("field.distress.queuedHelp")));
      return;
    }
    if (!call || call.cancelledAt || (call.takenAt && Date.now() - Date.parse(call.takenAt) > 15 * 60000 && !call.open)) { box.hidden = true; return; }
    box.hidden = false;
    if (call.takenAt) {
      box.classList.add("taken");
      box.replaceChildren(el("b", null, t("field.distress.taken")),
        el("div", null, t("field.distress.takenBy", { by: call.takenBy, time: I18n.localTime(new Date(call.takenAt)) })));
    } else {
      box.replaceChildren(el("b", null, t("field.distress.sent", { distress: String(call.seq) })),
        el("div", null, [t("field.distress.sentHelp", { time: I18n.localTime(new Date(call.raisedAt)) }), call.escalatedAt ? t("field.distress.escalated") : null].filter(Boolean).join(" ")));
    }
    if (!outbox.mine().some(i => i.kind === "distress-cancel" && i.distressSeq === call.seq)) {
      const withdraw = el("button", null, t("field.distress.withdraw"));
      withdraw.type = "button";
      withdraw.addEventListener("click", () => {
        if (!confirm(t("field.distress.withdrawConfirm"))) return;
        outbox.add({ key: crypto.randomUUID(), kind: "distress-cancel", distressSeq: call.seq, op: state.op, team: state.team,
          body: { clientTime: nowIso() }, createdAt: nowIso(), state: "queued" });
        renderAll();
        state.retryAt = 0;
        sync();
      });
      box.append(withdraw);
    }
  }

  // Press and hold for 2 s (pointer, or Enter/Space held): it cannot go off by a brush of the screen.
  function wireDistress() {
    const button = $("distress");
    const HOLD_MS = 2000;
    let started = 0, frame = 0;
    const progress = () => {
      const held = Math.min(1, (performance.now() - started) / HOLD_MS);
      button.style.setProperty("--held", `${Math.round(held * 100)}%`);
      if (held >= 1) { stop(); raise(); return; }
      frame = requestAnimationFrame(progress);
    };
    const begin = () => { if (started) return; started = performance.now(); frame = requestAnimationFrame(progress); button.textContent = t("field.distress.holding"); };
    const stop = () => { started = 0; cancelAnimationFrame(frame); button.style.setProperty("--held", "0%"); button.textContent = t("field.distress.hold"); };
    button.addEventListener("pointerdown", event => { event.preventDefault(); button.setPointerCapture?.(event.pointerId); begin(); });
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) button.addEventListener(type, stop);
    button.addEventListener("keydown", event => { if ((event.key === "Enter" || event.key === " ") && !event.repeat) { event.preventDefault(); begin(); } });
    button.addEventListener("keyup", event => { if (event.key === "Enter" || event.key === " ") stop(); });
    button.addEventListener("contextmenu", event => event.preventDefault());
  }

  function raise() {
    const item = { key: crypto.randomUUID(), kind: "distress", op: state.op, team: state.team, body: { clientTime: nowIso() }, createdAt: nowIso(), state: "queued" };
    const send = () => { outbox.add(item); renderAll(); state.retryAt = 0; sync(); };
    try { if (navigator.vibrate) navigator.vibrate(500); } catch { /* not allowed */ }
    if (!$("distress-position").checked || !navigator.geolocation) { send(); return; }
    // The position if it comes within 2 s; the call never waits longer for it.
    let done = false;
    const once = () => { if (!done) { done = true; send(); } };
    setTimeout(once, 2000);
    navigator.geolocation.getCurrentPosition(p => {
      item.body.position = { latitude: round(p.coords.latitude), longitude: round(p.coords.longitude) };
      once();
    }, once, { enableHighAccuracy: true, timeout: 2000, maximumAge: 120000 });
  }

  function renderNet(mode) {
    const net = $("net");
    const queued = outbox.mine().filter(i => i.state === "queued").length;
    const refused = outbox.mine().filter(i => i.state === "rejected").length;
    const online = navigator.onLine;
    net.className = "net" + (!online ? " offline" : (state.lastProblem && queued) || refused ? " trouble" : "");
    if (mode === "sending" && queued) net.textContent = t("field.net.sending", { count: queued });
    else if (!online) net.textContent = queued ? t("field.net.offlineQueued", { count: queued }) : t("field.net.offline");
    else if (queued) net.textContent = [t("field.net.queued", { count: queued }), state.lastProblem].filter(Boolean).join(" · ");
    // A report the server did not accept waits for the lead: never "all sent" while one does.
    else if (refused) net.textContent = t("field.net.refused", { count: refused });
    else net.textContent = t("field.net.allSent");
  }
})();
