// A replay of an operation's timeline over /hubs/replay, with the same listener shape as LiveOperation (snapshot,
// then deltas in sequence order), plus the replay's controls and clock. The server folds and times the events; this
// only applies what it sends, and on a reconnect starts again where it was.
"use strict";

class ReplayOperation {
  constructor(operationId, listener) {
    this.operationId = operationId;
    this.listener = listener;
    this.replay = null;        // ReplayStarted
    this.status = null;        // the last ReplayStatus
    this.lastSeq = -1;
    this.clock = null;         // replay time (ms) at clockSetAt
    this.clockSetAt = performance.now();
    this.stopped = false;
    this.connection = new signalR.HubConnectionBuilder()
      .withUrl("/hubs/replay", { accessTokenFactory: () => Liberterra.token() || "" })
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => LiveOperation.backoff(ctx.previousRetryCount) })
      .configureLogging(signalR.LogLevel.None)
      .build();
    this.connection.on("replayDeltas", (id, deltas) => {
      if (!this.replay || id !== this.replay.replayId) return;
      for (const d of deltas) {
        if (d.seq !== this.lastSeq + 1) continue;   // never applied twice; a seek brings a snapshot
        this.lastSeq = d.seq;
        this.setClock(Date.parse(d.serverTime));
        this.listener.delta(d);
      }
    });
    this.connection.on("replaySnapshot", (id, view, at) => {
      if (!this.replay || id !== this.replay.replayId) return;
      this.lastSeq = view.lastSeq;
      this.setClock(Date.parse(at));
      this.listener.snapshot(view);
    });
    this.connection.on("replayStatus", s => {
      if (!this.replay || s.replayId !== this.replay.replayId) return;
      this.status = s;
      this.setClock(Date.parse(s.replayTime));
      this.listener.status(s);
    });
    this.connection.onreconnecting(() => this.listener.state("stale", new Date(), I18n.t("live.replayReconnecting")));
    this.connection.onreconnected(() => this.begin(this.lastSeq));
    this.connection.onclose(() => { if (!this.stopped) { this.listener.state("stale", new Date(), I18n.t("live.connectionClosed")); setTimeout(() => this.start(), 2000); } });
  }

  setClock(ms) { this.clock = ms; this.clockSetAt = performance.now(); }

  /** The replay clock: it runs at the replay's speed while playing. */
  now() {
    if (this.clock === null) return Date.now();
    const playing = this.status && this.status.state === "playing";
    return playing ? this.clock + (performance.now() - this.clockSetAt) * this.status.speed : this.clock;
  }

  async start() {
    this.listener.state("connecting", null, "");
    try {
      if (this.connection.state === signalR.HubConnectionState.Disconnected) await this.connection.start();
      await this.begin(this.lastSeq);
    } catch (error) {
      const message = String(error && error.message || error);
      if (/401|may not/i.test(message)) { this.listener.state("signed-out", new Date(), I18n.t(/may not/i.test(message) ? "wall.stopped.mayNot" : "live.refused")); return; }
      this.listener.state("stale", new Date(), I18n.t("live.unreachable"));
      setTimeout(() => this.start(), 3000);
    }
  }

  /** Starts the replay paused (at the beginning, or where a dropped connection left it). */
  async begin(seq) {
    const speed = this.status ? this.status.speed : 600;
    this.lastSeq = -1;   // the seek below sends the state to start from
    // Started paused: nothing plays (and shows) before the debriefer presses play.
    this.replay = await this.connection.invoke("StartReplay", { operationId: this.operationId, speed, paused: true });
    await this.control("seek", { seq: Math.max(seq, this.replay.firstSeq - 1) });
    this.listener.state("live", null, "");
  }

  control(action, extra = {}) {
    if (!this.replay) return Promise.resolve(null);
    return this.connection.invoke("ControlReplay", Object.assign({ replayId: this.replay.replayId, action }, extra))
      .then(s => { this.status = s; this.setClock(Date.parse(s.replayTime)); this.listener.status(s); return s; });
  }

  stop() {
    this.stopped = true;
    return this.connection.stop();
  }
}
