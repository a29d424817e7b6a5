// The debrief's controls: play and pause, speed, one event back or forward, and the scrubber (by event number).
// The wall (wall.js) draws the replay exactly as it draws the live operation.
"use strict";

(() => {
  const $ = id => document.getElementById(id);
  const operationId = decodeURIComponent(location.pathname.replace(/^\/debrief\/?/, "").replace(/\/$/, ""));
  const replay = () => window.liberterraWall.live;
  let last = null;

  window.addEventListener("replay-status", event => {
    const s = event.detail;
    const r = replay().replay;
    last = s;
    const scrub = $("r-scrub");
    scrub.min = String(r.firstSeq - 1);
    scrub.max = String(r.lastSeq);
    if (document.activeElement !== scrub) scrub.value = String(s.seq);
    $("r-play-icon").textContent = s.state === "playing" ? "\u23F8" : "\u25B6";
    $("r-play-text").textContent = I18n.t(s.state === "playing" ? "debrief.pause" : "debrief.play");
    $("r-speed").value = String(s.speed);
    const state = s.state === "ended" ? "ended" : s.state;
    $("r-pos").textContent = I18n.t("debrief.position", { seq: s.seq, last: r.lastSeq, state: I18n.t(`debrief.state.${state}`), date: Liberterra.utcDate(new Date(s.replayTime)), time: Liberterra.utcTime(new Date(s.replayTime)) });
    document.body.dataset.replay = state;
    if (s.state !== "playing") around(s.seq);
  });

  // The speeds, written as the language writes numbers (3,600× / 3 600×).
  I18n.ready.then(() => { for (const o of $("r-speed").options) o.textContent = `${I18n.number(Number(o.value))}×`; });
  $("r-play").addEventListener("click", () => {
    if (!last) return;
    if (last.state === "playing") replay().control("pause");
    else if (last.state === "ended") replay().control("seek", { seq: replay().replay.firstSeq - 1 }).then(() => replay().control("resume"));
    else replay().control("resume");
  });
  $("r-step").addEventListener("click", () => replay().control("step"));
  $("r-back").addEventListener("click", () => replay().control("step", { seq: -1 }));
  $("r-speed").addEventListener("change", () => replay().control("speed", { speed: Number($("r-speed").value) }));
  $("r-scrub").addEventListener("change", () => replay().control("seek", { seq: Number($("r-scrub").value) }));

  // The significant-events lane: command's marks along the timeline; a click goes there.
  let laneLoaded = false;
  async function loadLane() {
    try {
      const marks = await Liberterra.api(`/api/operations/${encodeURIComponent(operationId)}/significant`);
      const r = replay().replay;
      const min = r.firstSeq - 1, span = Math.max(1, r.lastSeq - min);
      $("lane").replaceChildren(...marks.map(m => {
        const b = Liberterra.el("button", "mark");
        b.type = "button";
        b.dataset.seq = String(m.seq);
        b.title = I18n.t("debrief.markTitle", { seq: String(m.seq), title: m.title, by: m.markedBy });
        b.setAttribute("aria-label", b.title);
        b.style.left = `${((m.seq - min) / span) * 100}%`;
        b.addEventListener("click", () => replay().control("seek", { seq: m.seq }));
        return b;
      }));
      laneLoaded = true;
    } catch (error) {
      $("mark-error").textContent = Liberterra.errorText(error);
    }
  }
  window.addEventListener("replay-status", () => { if (!laneLoaded) { loadLane(); loadDensity(); } });

  // Where events cluster in time, across the whole timeline: a click goes to that moment.
  let density = null;
  async function loadDensity() {
    try {
      density = await Liberterra.api(`/api/operations/${encodeURIComponent(operationId)}/timeline/histogram?buckets=200`);
      const strip = $("density");
      const n = density.counts.length, peak = Math.max(1, ...density.counts);
      strip.setAttribute("viewBox", `0 0 ${n} 20`);
      strip.replaceChildren(...density.counts.map((c, i) => Liberterra.svg("rect", { x: i + 0.1, width: 0.8, y: 20 - (c / peak) * 20, height: (c / peak) * 20, "data-count": c })));
      strip.dataset.buckets = String(n);
    } catch { /* the strip is a help; the replay goes on without it */ }
  }
  $("density").addEventListener("click", event => {
    if (!density) return;
    const box = $("density").getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    const from = Date.parse(density.from), to = Date.parse(density.to);
    replay().control("seek", { at: new Date(from + f * (to - from)).toISOString() });
  });
  $("mark").addEventListener("click", async () => {
    $("mark-error").textContent = "";
    const title = $("mark-title").value.trim();
    if (!title) { $("mark-error").textContent = I18n.t("debrief.mark.needTitle"); return; }
    try {
      await Liberterra.api(`/api/operations/${encodeURIComponent(operationId)}/significant`, { method: "POST", body: { seq: last.seq, title } });
      $("mark-title").value = "";
      await loadLane();
    } catch (error) {
      $("mark-error").textContent = error.status === 403 ? I18n.t("debrief.mark.forbidden") : Liberterra.errorText(error);
    }
  });

  /** The events just before and after the cursor, from the timeline; the cursor's own highlighted. */
  async function around(seq) {
    try {
      const page = await Liberterra.api(`/api/operations/${encodeURIComponent(operationId)}/timeline?after=${Math.max(0, seq - 7)}&limit=14`);
      const teams = window.liberterraWall.model.teams;
      $("around").replaceChildren(...page.events.map(e => {
        const li = Liberterra.el("li", e.seq === seq ? "current" : e.seq > seq ? "after" : "");
        li.dataset.seq = String(e.seq);
        const team = e.teamId && teams.get(e.teamId);
        const what = Liberterra.describeEvent(e.phrase, e.summary || e.kind);   // the same words as on the wall and in the report
        li.append(Liberterra.el("span", "time", `#${e.seq}`), Liberterra.el("span", "who", team ? team.callSign : (e.teamId || "")), Liberterra.el("span", "what", what));
        return li;
      }));
    } catch { /* the list is a help; the replay goes on without it */ }
  }
})();
