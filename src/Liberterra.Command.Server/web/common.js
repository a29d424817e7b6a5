// Shared by the pages: the credential, authenticated fetch, ProblemDetails in plain words, and safe DOM building.
// Nothing here ever puts text into the page as markup: every string goes through textContent.
"use strict";

const Liberterra = (() => {
  const tokenKey = "liberterra.token";

  /** Takes a credential handed over in the URL fragment (#token=...; never sent to the server), then forgets the fragment. */
  function adoptTokenFromFragment() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const token = params.get("token");
    if (token) {
      localStorage.setItem(tokenKey, token.trim());
      params.delete("token");
      const rest = params.toString();
      history.replaceState(null, "", location.pathname + location.search + (rest ? "#" + rest : ""));
    }
  }

  function token() { return localStorage.getItem(tokenKey); }
  function setToken(value) { localStorage.setItem(tokenKey, value.trim()); }
  function clearToken() { localStorage.removeItem(tokenKey); }

  /** The credential's claims (not verified here: the server does that), or null. */
  function claims(value = token()) {
    try {
      const part = value.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(part.padEnd(part.length + (4 - part.length % 4) % 4, "=")));
    } catch { return null; }
  }

  function expired(value = token()) {
    const c = claims(value);
    return !c || (typeof c.exp === "number" && c.exp * 1000 <= Date.now());
  }

  class ProblemError extends Error {
    constructor(status, problem) {
      super(describeProblem(status, problem));
      this.status = status;
      this.problem = problem || {};
    }
  }

  /** A ProblemDetails answer in plain words: each thing said once, statuses as the buttons name them. */
  function describeProblem(status, problem) {
    if (status === 401) return "Your sign-in is missing or has expired: sign in again.";
    if (status === 403) return "This credential is not allowed to do that.";
    if (status === 429) return "Too many requests: wait a moment and try again.";
    const p = problem || {};
    const detail = p.detail || p.title || `The server answered ${status}.`;
    const parts = [detail];
    for (const [field, messages] of Object.entries(p.errors || {})) {
      const unsaid = [].concat(messages).filter(m => !detail.includes(m));   // a detail often repeats its fields' messages
      if (unsaid.length) parts.push(`${field}: ${unsaid.join(", ")}`);
    }
    return statusNames(parts.join(" "));
  }

  /** The server's words name statuses as its enum does ("EnRoute"); the pages say "En Route". */
  function statusNames(text) {
    return String(text).replace(/\b(Standby|Briefed|EnRoute|OnSite|Engaged|Extracting|Completed|Holding|Aborted)\b/g, s => statusText(s));
  }

  async function api(path, options = {}) {
    const headers = Object.assign({ "Accept": "application/json" }, options.headers || {});
    const t = token();
    if (t) headers["Authorization"] = "Bearer " + t;
    if (options.body !== undefined && typeof options.body !== "string") {
      headers["Content-Type"] = "application/json";
      options = Object.assign({}, options, { body: JSON.stringify(options.body) });
    }
    const response = await fetch(path, Object.assign({}, options, { headers, cache: "no-store" }));
    const text = await response.text();
    let body = null;
    if (text) { try { body = JSON.parse(text); } catch { body = null; } }
    if (!response.ok) throw new ProblemError(response.status, body);
    return body;
  }

  /** Builds an element; text is always set as text, never parsed as markup. */
  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  const svgNs = "http://www.w3.org/2000/svg";
  function svg(tag, attrs = {}, text) {
    const e = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  const number = new Intl.NumberFormat("en-GB");
  function fmt(n) { return number.format(n); }

  function pad(n) { return String(n).padStart(2, "0"); }
  function utcTime(d) { return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`; }
  function utcDate(d) {
    return d.toLocaleDateString("en-GB", { timeZone: "UTC", weekday: "short", day: "numeric", month: "short", year: "numeric" });
  }

  /** "12 s ago" under a minute (a connection's silence is counted in seconds), else as ago(). */
  function agoSeconds(time, now = Date.now()) {
    const seconds = Math.max(0, Math.floor((now - time) / 1000));
    return seconds < 60 ? `${seconds} s ago` : ago(time, now);
  }

  /** "just now", "12 min ago", "3 h 05 min ago", "2 d ago". */
  function ago(time, now = Date.now()) {
    const minutes = Math.floor((now - time) / 60000);
    if (minutes < 1) return "just now";
    if (minutes < 60) return `${minutes} min ago`;
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return `${hours} h ${pad(minutes % 60)} min ago`;
    return `${Math.floor(hours / 24)} d ago`;
  }

  /**
   * The operation's time at the real instant `real` (ms): real time, or an exercise's compressed clock, which runs
   * clockSpeed times faster from the window's start (the server's OperationClock, the same formula).
   */
  function operationNow(op, real = Date.now()) {
    if (!op || !op.clockSpeed || op.clockSpeed === 1) return real;
    const start = Date.parse(op.windowStart);
    return start + (real - start) * op.clockSpeed;
  }

  /** Status words as shown (the lifecycle's names, spaced). */
  function statusText(status) { return String(status).replace(/([a-z])([A-Z])/g, "$1 $2"); }

  return { adoptTokenFromFragment, token, setToken, clearToken, claims, expired, api, ProblemError, describeProblem,
    el, svg, fmt, pad, utcTime, utcDate, ago, agoSeconds, statusText, statusNames, operationNow };
})();
