// The command page: issue orders (to a team, a region's teams or all teams), follow each team's answer, cancel an
// order, take a distress call, read the teams' messages (GeoChat from their TAK devices) and reply to one. Live from the same hub as the wall (LiveOperation: snapshot + deltas in sequence order);
// every action is a POST with an idempotency key kept until it is answered, so a retry after a network error is the
// same action, never a second one.
"use strict";

(() => {
  const { el, api } = Liberterra;
  const { t } = I18n;
  const $ = id => document.getElementById(id);
  const operationId = decodeURIComponent(location.pathname.replace(/^\/command\/?/, "").replace(/\/$/, ""));
  const model = { op: null, teams: new Map(), regions: new Map(), orders: new Map(), distress: new Map(), messages: new Map() };
  const MessageHours = 24, MessagePages = 10;
  const keys = new Map();   // action -> idempotency key, until the server answers it
  let live = null;
  window.liberterraCommand = { model };

  Liberterra.adoptTokenFromFragment();
  $("signin-form").addEventListener("submit", event => {
    event.preventDefault();
    const token = $("token-input").value.trim();
    const claims = Liberterra.claims(token);
    if (!claims || !["commander", "admin"].includes(claims.role)) { $("signin-error").textContent = t("command.signin.notCommander"); return; }
    Liberterra.setToken(token);
    begin();
  });
  $("order-form").addEventListener("submit", event => { event.preventDefault(); sendOrder(); });
  for (const id of ["order-target", "order-kind", "order-due", "order-place", "order-text"]) $(id).addEventListener("input", () => keys.delete("order"));
  I18n.ready.then(() => { I18n.picker($("lang")); begin(); });

  function begin() {
    const claims = Liberterra.claims();
    if (!claims || Liberterra.expired() || !["commander", "admin"].includes(claims.role)) { $("signin").hidden = false; $("app").hidden = true; return; }
    if (!operationId) { $("op-name").textContent = t("command.whichOperation"); return; }
    $("signin").hidden = true;
    $("app").hidden = false;
    if (live) live.stop().catch(() => {});
    live = new LiveOperation(operationId, { snapshot, delta, state });
    live.start();
  }

  function state(s, since, detail) {
    $("conn").textContent = [t(`command.conn.${s}`), s === "live" ? null : detail].filter(Boolean).join(" · ");
    $("conn").className = `conn ${s}`;
    if (s === "signed-out") { $("signin").hidden = false; $("app").hidden = true; }
  }

  function snapshot(view) {
    model.op = view;
    model.teams = new Map(view.teams.map(t => [t.id, t]));
    model.regions = new Map(view.regions.map(r => [r.id, r]));
    model.orders = new Map((view.orders || []).map(o => [o.seq, o]));
    model.distress = new Map((view.distress || []).map(d => [d.seq, d]));
    $("op-name").textContent = view.name;
    renderTargets();
    render();
    loadMessages(view.lastSeq);
  }

  /** The last day's messages from the timeline (the same events the deltas bring), up to the snapshot's sequence. */
  async function loadMessages(upTo) {
    const from = new Date(Date.now() - MessageHours * 3600_000).toISOString();
    let after = 0;
    try {
      for (let page = 0; page < MessagePages; page++) {
        const result = await api(`/api/operations/${enc(operationId)}/timeline?kind=MessageSent&from=${enc(from)}&limit=500&after=${after}`);
        for (const e of result.events) if (e.message && e.seq <= upTo) addMessage(e.seq, e.serverTime, e.teamId, e.message, false);
        if (result.next == null) break;
        after = result.next;
      }
    } catch (error) {
      $("messages").replaceChildren(el("li", "empty", Liberterra.errorText(error)));
      return;
    }
    renderMessages();
  }

  function addMessage(seq, time, teamId, message, fresh) {
    model.messages.set(seq, { seq, time, teamId, text: message.text, source: message.source, fresh });
  }

  function delta(d) {
    if (d.team) model.teams.set(d.team.id, d.team);
    if (d.order) model.orders.set(d.order.seq, d.order);
    if (d.distress) model.distress.set(d.distress.seq, d.distress);
    if (d.message) { addMessage(d.seq, d.serverTime, d.teamId, d.message, true); renderMessages(); }
    if (d.order || d.distress) render();
  }

  function render() { renderCalls(); renderOrders(); }

  function renderMessages() {
    const messages = [...model.messages.values()].sort((a, b) => b.seq - a.seq).slice(0, 200);
    if (!messages.length) { $("messages").replaceChildren(el("li", "empty", t("command.messages.empty"))); return; }
    $("messages").replaceChildren(...messages.map(m => {
      const li = el("li", m.fresh ? "new" : "");
      li.dataset.seq = String(m.seq);
      const time = el("time", null, t("time.utc", { time: Liberterra.utcTime(new Date(m.time)) }));
      time.dateTime = m.time;
      const reply = el("button", null, t("command.messages.reply"));
      reply.type = "button";
      reply.addEventListener("click", () => replyTo(m.teamId));
      li.append(el("span", "who", callSign(m.teamId)), el("span", "from", m.source), time, reply, el("div", "text", m.text));
      return li;
    }));
  }

  /** A reply is an order of kind Message to the team: the form is set for it, the commander writes and sends. */
  function replyTo(teamId) {
    $("order-target").value = `team:${teamId}`;
    $("order-kind").value = "Message";
    keys.delete("order");
    $("order-text").focus();
  }

  function callSign(id) { const team = model.teams.get(id); return team ? `${team.callSign} (${id})` : id; }

  function renderTargets() {
    const select = $("order-target");
    const chosen = select.value;
    const options = [el("option", null, t("target.allTeams"))];
    options[0].value = "all";
    const byRegion = [...model.regions.values()].sort((a, b) => a.name.localeCompare(b.name));
    for (const r of byRegion) {
      const o = el("option", null, t("command.target.region", { name: r.name, teams: t("count.teams", { count: r.teamIds.length }) }));
      o.value = `region:${r.id}`;
      options.push(o);
    }
    for (const team of [...model.teams.values()].sort((a, b) => a.callSign.localeCompare(b.callSign))) {
      const o = el("option", null, t("command.target.team", { name: team.callSign, id: team.id }));
      o.value = `team:${team.id}`;
      options.push(o);
    }
    select.replaceChildren(...options);
    if (chosen) select.value = chosen;
  }

  function renderCalls() {
    const calls = [...model.distress.values()].sort((a, b) => (b.open - a.open) || b.seq - a.seq).slice(0, 12);
    const list = $("calls");
    if (!calls.length) { list.replaceChildren(el("li", "empty", t("report.none.distress"))); return; }
    list.replaceChildren(...calls.map(d => {
      const li = el("li", d.open ? "open" : "");
      li.dataset.seq = String(d.seq);
      const where = d.position ? `${d.position.latitude.toFixed(4)}, ${d.position.longitude.toFixed(4)}` : t("wall.alarm.noPosition");
      li.append(el("span", null, `#${d.seq} ${t("event.distress")} · ${callSign(d.teamId)}`), el("span", null, t("wall.alarm.since", { time: Liberterra.utcTime(new Date(d.raisedAt)) })),
        el("span", null, where));
      if (d.escalatedAt && d.open) li.append(el("span", null, t("command.escalating")));
      if (d.takenAt) li.append(el("span", null, t("command.takenBy", { by: d.takenBy, time: Liberterra.utcTime(new Date(d.takenAt)) })));
      if (d.cancelledAt) li.append(el("span", null, [t("command.withdrawnAt", { time: Liberterra.utcTime(new Date(d.cancelledAt)) }), d.cancelReason].filter(Boolean).join(": ")));
      if (d.open) {
        const take = el("button", "take", t("command.take"));
        take.type = "button";
        take.setAttribute("aria-label", t("command.take.label", { distress: String(d.seq), team: callSign(d.teamId) }));
        take.addEventListener("click", () => act(`take:${d.seq}`, `/api/operations/${enc(operationId)}/distress/${d.seq}/take`, undefined, take));
        li.append(take);
      }
      return li;
    }));
  }

  function renderOrders() {
    const orders = [...model.orders.values()].sort((a, b) => b.seq - a.seq);
    $("orders").replaceChildren(...orders.map(o => {
      const late = o.open && o.overdue.some(t => !o.answers.some(a => a.teamId === t));
      const tr = el("tr", o.cancelledAt ? "cancelled closed" : late ? "overdue" : o.open ? "" : "closed");
      tr.dataset.seq = String(o.seq);
      const to = o.scope === "Team" ? callSign(o.targetId) : Liberterra.targetText(o.scope, o.targetId, model.regions.get(o.targetId)?.name);
      const answers = el("td");
      for (const team of o.recipients) {
        const a = o.answers.find(x => x.teamId === team);
        const late = !a && o.overdue.includes(team);
        const label = `${model.teams.get(team)?.callSign || team}: ${a ? t(`answer.${a.answer}`) + (a.reason ? ` (${a.reason})` : "") : late ? t("wall.orders.overdue") : t("command.waiting")}`;
        answers.append(el("span", `answer ${a ? a.answer : late ? "late" : "waiting"}`, label));
      }
      const actions = el("td");
      if (o.open) {
        const cancel = el("button", null, t("common.cancel"));
        cancel.type = "button";
        cancel.setAttribute("aria-label", t("command.cancel.label", { order: String(o.seq) }));
        cancel.addEventListener("click", () => act(`cancel:${o.seq}`, `/api/operations/${enc(operationId)}/orders/${o.seq}/cancel`, {}, cancel));
        actions.append(cancel);
      } else if (o.cancelledAt) actions.append(t("command.cancelledBy", { by: o.cancelledBy }));
      tr.append(el("td", null, String(o.seq)), el("td", null, t(`orderKind.${o.kind}`)), el("td", null, to), el("td", null, o.text),
        el("td", null, o.dueBy ? t("time.utc", { time: Liberterra.utcTime(new Date(o.dueBy)) }) : "—"), answers, actions);
      return tr;
    }));
  }

  function enc(s) { return encodeURIComponent(s); }

  /** A POST with its own idempotency key, kept until the server answers (a retry after a lost answer is the same action). */
  async function act(action, path, body, button) {
    if (!keys.has(action)) keys.set(action, crypto.randomUUID());
    if (button) button.disabled = true;
    try {
      const ack = await api(path, { method: "POST", headers: { "Idempotency-Key": keys.get(action) }, body });
      keys.delete(action);
      if (ack.order) { model.orders.set(ack.order.seq, ack.order); }
      if (ack.distress) { model.distress.set(ack.distress.seq, ack.distress); }
      render();
      return ack;
    } catch (error) {
      // A refusal is final for this key; a network error or a 503 keeps it for the retry.
      if (error instanceof Liberterra.ProblemError && error.status < 500 && error.status !== 429) keys.delete(action);
      $("err-form").textContent = Liberterra.errorText(error);
      throw error;
    } finally {
      if (button) button.disabled = false;
    }
  }

  async function sendOrder() {
    for (const id of ["err-target", "err-text", "err-form"]) $(id).textContent = "";
    const target = $("order-target").value;
    const body = { kind: $("order-kind").value, text: $("order-text").value.trim() };
    if (target === "all") body.all = true;
    else if (target.startsWith("region:")) body.regionId = target.slice(7);
    else body.teamId = target.slice(5);
    const due = $("order-due").value.trim();
    if (due) body.dueInMinutes = Number(due);
    const place = $("order-place").value.trim();
    if (place) {
      const [lat, lon] = place.split(/[,\s]+/).map(Number);
      if (!Number.isFinite(lat) || !Number.isFinite(lon)) { $("err-form").textContent = t("command.place.invalid"); return; }
      body.place = { latitude: lat, longitude: lon };
    }
    if (!body.text) { $("err-text").textContent = t("command.text.required"); return; }
    try {
      await act("order", `/api/operations/${enc(operationId)}/orders`, body, $("order-send"));
      $("order-text").value = "";
    } catch (error) {
      if (error instanceof Liberterra.ProblemError && error.problem && error.problem.rules) {
        for (const rule of [].concat(error.problem.rules || [])) {
          const field = String(rule.field || "");
          const slot = field === "text" ? "err-text" : ["teamId", "regionId", "all", "target"].includes(field) ? "err-target" : "err-form";
          $(slot).textContent = Liberterra.ruleText(rule);
        }
      }
    }
  }
})();
