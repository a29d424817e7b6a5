// The live picture of one operation over SignalR: a snapshot, then deltas applied strictly in sequence order.
// A gap, a reconnect or a restart of the server leads to a fresh snapshot; a delta is never applied twice or skipped.
// Reconnection never gives up (back-off capped at 5 s); while not live, listeners hear "stale" and since when.
// Never a confident LIVE while nothing arrives: the server pings every 3 s, so 7 s without a byte (a delta, a ping, a
// Head answer) closes the connection and the wall says STALE; a Head that gets no answer in 4 s says so too.
"use strict";

class LiveOperation {
  /**
   * @param {string} operationId
   * @param {{snapshot: (view) => void, delta: (delta) => void, state: (state, since, detail) => void}} listener
   *   state is "connecting", "live", "resyncing", "stale" or "signed-out".
   */
  constructor(operationId, listener) {
    this.operationId = operationId;
    this.listener = listener;
    this.lastSeq = -1;          // -1: no snapshot yet
    this.joining = null;        // the join in progress, if any
    this.pending = [];          // deltas that arrived while joining
    this.staleSince = null;
    this.lastHeard = null;      // the last delta, Head answer or snapshot: what "stale since" counts from
    this.stopped = false;
    this.resyncs = 0;
    // Now and then, compare with the operation's head: a lost delta with no later one shows no gap by itself.
    this.headCheck = setInterval(() => this.checkHead(), LiveOperation.headCheckMs);

    this.connection = new signalR.HubConnectionBuilder()
      .withUrl("/hubs/operations", { accessTokenFactory: () => Liberterra.token() || "" })
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => LiveOperation.backoff(ctx.previousRetryCount) })
      .withServerTimeout(LiveOperation.serverTimeoutMs)
      .withKeepAliveInterval(LiveOperation.keepAliveMs)
      .configureLogging(signalR.LogLevel.None)
      .build();
    this.connection.on("deltas", batch => this.receive(batch));
    this.connection.onreconnecting(error => this.goStale(I18n.t(error ? "live.connectionLost" : "live.reconnecting")));
    this.connection.onreconnected(() => this.join());
    // Closed for good (the server ended it, e.g. the credential expired): start again, forever.
    this.connection.onclose(error => { if (!this.stopped) { this.goStale(I18n.t(error ? "live.connectionClosed" : "live.disconnected")); this.restart(0); } });
  }

  static headCheckMs = 5000;
  static headTimeoutMs = 4000;
  static serverTimeoutMs = 7000;   // over twice the server's KeepAliveInterval of 3 s (LiberterraServer.AddLiberterraApi)
  static keepAliveMs = 3000;
  static timedOut = new Error("no answer in time");

  /** The promise's outcome, or LiveOperation.timedOut after ms. */
  static within(promise, ms) {
    let timer;
    const deadline = new Promise((_, reject) => { timer = setTimeout(() => reject(LiveOperation.timedOut), ms); });
    return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
  }

  /** 0.5 s, 1 s, 2 s, 4 s, then 5 s for ever, with a little jitter so walls do not all knock at once. */
  static backoff(attempt) {
    return Math.min(500 * 2 ** attempt, 5000) + Math.floor(Math.random() * 250);
  }

  start() { this.restart(0); }

  stop() {
    this.stopped = true;
    clearInterval(this.headCheck);
    return this.connection.stop();
  }

  async checkHead() {
    if (this.joining || this.lastSeq < 0 || this.connection.state !== signalR.HubConnectionState.Connected) return;
    try {
      const head = await LiveOperation.within(this.connection.invoke("Head", this.operationId), LiveOperation.headTimeoutMs);
      this.lastHeard = new Date();
      // It answers again after a silence: take a fresh snapshot rather than trust what was kept meanwhile.
      if (this.staleSince) { this.join().catch(() => {}); return; }
      if (head <= this.lastSeq) return;
      // Deltas may simply be on their way: give them a moment before deciding one was lost.
      setTimeout(() => {
        if (!this.joining && this.lastSeq < head) { this.resyncs++; this.join().catch(() => {}); }
      }, 1500);
    } catch (error) {
      // Connected, yet no answer: whatever holds it, what the screen shows is no longer known to be true.
      if (error === LiveOperation.timedOut && this.connection.state === signalR.HubConnectionState.Connected) {
        this.goStale(I18n.t("live.noAnswer"));
      }
      // Otherwise the connection's own events deal with a broken connection.
    }
  }

  async restart(attempt) {
    if (this.stopped) return;
    if (attempt === 0 && this.lastSeq < 0) this.listener.state("connecting", null, "");
    if (!Liberterra.token() || Liberterra.expired()) { this.listener.state("signed-out", this.staleSince, I18n.t("live.signInToWatch")); return; }
    try {
      await this.connection.start();
      await this.join();
    } catch (error) {
      if (this.stopped) return;
      if (/401|Unauthorized/i.test(String(error && (error.statusCode || error.message)))) {
        this.listener.state("signed-out", this.staleSince || new Date(), I18n.t("live.refused"));
        return;
      }
      this.goStale(I18n.t("live.unreachable"));
      setTimeout(() => this.restart(attempt + 1), LiveOperation.backoff(attempt));
    }
  }

  goStale(detail) {
    // Since the last thing heard, not since the silence was noticed (up to 8 s later).
    if (!this.staleSince) this.staleSince = this.lastHeard || new Date();
    this.listener.state("stale", this.staleSince, detail);
  }

  /** Joins (again): a fresh snapshot, then the deltas that came meanwhile above its sequence number. */
  join() {
    if (this.joining) return this.joining;
    this.pending = [];
    if (this.lastSeq >= 0) this.listener.state("resyncing", this.staleSince, "");
    this.joining = (async () => {
      try {
        const view = await this.connection.invoke("JoinOperation", this.operationId);
        this.lastSeq = view.lastSeq;
        this.lastHeard = new Date();
        this.listener.snapshot(view);
        this.staleSince = null;
        this.listener.state("live", null, "");
        const queued = this.pending.sort((a, b) => a.seq - b.seq);
        this.pending = [];
        this.joining = null;
        this.apply(queued);
      } catch (error) {
        this.joining = null;
        if (this.connection.state !== signalR.HubConnectionState.Connected) throw error;
        const message = error && error.message ? error.message.replace(/^.*HubException: /, "") : "";
        if (/may not/i.test(message)) {               // this credential will never be let in: ask for another
          this.listener.state("signed-out", this.staleSince || new Date(), I18n.t("wall.stopped.mayNot"));
          return;
        }
        // Connected but refused for now (the server is still joining its cluster, no such operation yet): retry.
        // The server's reason is English; the page says which of its refusals it was in the page's language.
        this.goStale(I18n.t(/No operation/i.test(message) ? "live.noOperation" : /joining|out of reach/i.test(message) ? "live.notReady" : "live.joinRefused"));
        setTimeout(() => this.join().catch(() => {}), 3000);
      }
    })();
    return this.joining;
  }

  receive(batch) {
    this.lastHeard = new Date();
    if (this.joining || this.lastSeq < 0) { this.pending.push(...batch); return; }
    this.apply(batch);
  }

  apply(batch) {
    for (const delta of batch) {
      if (delta.seq <= this.lastSeq) continue;               // already in the snapshot or applied
      if (delta.seq !== this.lastSeq + 1) {                  // a missed delta: resync, never guess
        this.resyncs++;
        this.join().catch(() => {});
        return;
      }
      this.lastSeq = delta.seq;
      if (delta.kind === "OperationDefined") {              // regions or teams may have changed: a fresh snapshot
        this.join().catch(() => {});
        return;
      }
      this.listener.delta(delta);
    }
  }
}
