// Shared by the pages: the credential, authenticated fetch, ProblemDetails and events in the user's words (the
// catalogs of web/i18n.js), and safe DOM building.
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

  /**
   * A ProblemDetails answer in the user's language: each rule broken (the server's stable code, its field and values:
   * docs/api.md "Errors") worded from the catalog; a refusal with no rules by its code. The server's English detail
   * is for API users; it is shown only for a code this page's catalog does not know.
   */
  function describeProblem(status, problem) {
    if (status === 401) return I18n.t("problem.unauthenticated");
    if (status === 403) return I18n.t("problem.forbidden");
    if (status === 429) return I18n.t("problem.rate-limited");
    const p = problem || {};
    const rules = [].concat(p.rules || []);
    if (rules.length) return rules.map(ruleText).join(" ");
    if (p.code && I18n.has(`problem.${p.code}`)) return I18n.t(`problem.${p.code}`);
    return p.detail || p.title || I18n.t("problem.status", { status });
  }

  /** One broken rule in words: "Children: must be a whole number from 0 to 1,000." */
  function ruleText(rule) {
    const key = `rule.${rule.code}`;
    if (!I18n.has(key)) return I18n.t("rule.unknown", { field: fieldName(rule.field), code: rule.code });
    // An id the server would not repeat (not a valid one) is shown as a dash.
    const args = { field: fieldName(rule.field), id: "—" };
    for (const [name, value] of Object.entries(rule.args || {})) args[name] = ruleValue(name, value);
    const text = I18n.t(key, args);
    return rule.field ? I18n.t("rule.withField", { field: fieldName(rule.field), text }) : text;
  }

  // Values that are quantities are formatted for the language; numbers that name something (an order, a call) are not.
  const QUANTITIES = new Set(["min", "max", "length", "total", "after", "days", "minutes", "count"]);
  function ruleValue(name, value) {
    if (name === "allowed") return I18n.list(String(value).split(",").filter(Boolean).map(statusText), "disjunction");
    if (name === "from" || name === "to") return statusText(value);
    if (name === "answer") return I18n.t(`answer.${value}`);
    if (name === "at" || name === "now") return I18n.utcDateTime(Date.parse(value));
    if (QUANTITIES.has(name) && /^-?\d+(\.\d+)?$/.test(String(value))) return Number(value);
    return String(value);
  }

  /** Why a request failed, in words: a refusal as described above, anything else (no network) as unreachable. */
  function errorText(error) {
    return error instanceof ProblemError ? error.message : I18n.t("live.unreachable");
  }

  /** A request field as the pages name it ("position.latitude" -> "Latitude"); an unknown one as sent. */
  function fieldName(field) {
    if (!field) return "";
    const plain = String(field).replace(/\[\d+\]/g, "");
    const last = plain.split(".").pop();
    for (const key of [`input.${plain}`, `input.${last}`]) if (I18n.has(key)) return I18n.t(key);
    return field;
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

  // Numbers, times and ages in the page's language (web/i18n.js: the browser's Intl).
  function fmt(n) { return I18n.number(n); }
  function utcTime(d) { return I18n.utcTime(d); }
  function utcDate(d) { return I18n.utcDate(d); }
  function agoSeconds(time, now = Date.now()) { return I18n.agoSeconds(time, now); }
  function ago(time, now = Date.now()) { return I18n.ago(time, now); }

  /**
   * The operation's time at the real instant `real` (ms): real time, or an exercise's compressed clock, which runs
   * clockSpeed times faster from the window's start (the server's OperationClock, the same formula).
   */
  function operationNow(op, real = Date.now()) {
    if (!op || !op.clockSpeed || op.clockSpeed === 1) return real;
    const start = Date.parse(op.windowStart);
    return start + (real - start) * op.clockSpeed;
  }

  /** A status as the pages name it, in the page's language (status.EnRoute: "En Route"). */
  function statusText(status) { return I18n.t(`status.${status}`); }

  /** Signed counts in words: "+2 children, −1 woman, +3 arrests" (only those not zero). */
  function countsText(args, signedNumbers = true) {
    const parts = [];
    for (const field of ["children", "women", "men", "arrested"]) {
      const n = Number(args[field] || 0);
      if (n) parts.push(I18n.t(`count.${field}`, { count: n, n: signedNumbers ? I18n.signed(n) : I18n.number(n) }));
    }
    return I18n.list(parts, "unit");
  }

  /**
   * An event in words, in the page's language, from its phrase (the server's EventText.Phrase: a key and values);
   * the same event the server words in English as its summary. Parts are joined with " · ".
   */
  function describeEvent(phrase, fallback) {
    if (!phrase) return fallback || "";
    const a = phrase.args || {};
    const region = a.region ? [a.region] : [];
    const join = parts => parts.filter(Boolean).join(" · ");
    switch (phrase.key) {
      case "report": return join([a.status ? statusText(a.status) : I18n.t("event.checkIn"), countsText(a), ...region]);
      case "correction": return join([I18n.t("event.correction", { seq: a.corrects, changes: countsText(a) || I18n.t("event.noChange") }), a.reason]);
      case "overdue": return join([I18n.t("event.overdue"), I18n.t("event.silentFor", { duration: I18n.duration(Number(a.silentSeconds) * 1000) }), ...region]);
      case "order-issued": return join([I18n.t("event.orderIssued", { order: a.order, kind: I18n.t(`orderKind.${a.kind}`), target: targetText(a.scope, a.target) }),
        a.dueBy ? I18n.t("event.answerBy", { time: I18n.utcDateTime(Date.parse(a.dueBy)) }) : null]);
      case "order-acknowledged": return I18n.t("event.orderAcknowledged", { order: a.order });
      case "order-unable": return join([I18n.t("event.orderUnable", { order: a.order }), a.reason]);
      case "order-cancelled": return join([I18n.t("event.orderCancelled", { order: a.order }), a.reason]);
      case "order-overdue": return I18n.t("event.orderOverdue", { order: a.order, count: Number(a.teams) });
      case "distress": return join([I18n.t("event.distress"), ...region]);
      case "distress-taken": return I18n.t("event.distressTaken", { distress: a.distress });
      case "distress-withdrawn": return join([I18n.t("event.distressWithdrawn", { distress: a.distress }), a.reason]);
      case "distress-escalated": return join([I18n.t("event.distressEscalated", { distress: a.distress }), ...region]);
      case "position": return join([I18n.t("event.position", { source: a.source }), ...region]);
      case "message": return I18n.t("event.message", { source: a.source, text: a.text });
      case "operation-defined": {
        const what = I18n.t("event.defined", { name: a.name, hotspots: I18n.t("count.hotspots", { count: Number(a.hotspots) }), teams: I18n.t("count.teams", { count: Number(a.teams) }) });
        return a.clockSpeed ? `${what} ${I18n.t("event.exerciseClock", { speed: Number(a.clockSpeed) })}` : a.exercise ? `${what} ${I18n.t("event.exercise")}` : what;
      }
      default: return fallback || a.kind || phrase.key;
    }
  }

  /** Whom an order addresses: "team AR-RAID-01", "region Argentina", "all teams". */
  function targetText(scope, id, name) {
    if (scope === "Team") return I18n.t("target.team", { id: name || id });
    if (scope === "Region") return I18n.t("target.region", { id: name || id });
    return I18n.t("target.all");
  }

  return { adoptTokenFromFragment, token, setToken, clearToken, claims, expired, api, ProblemError, describeProblem, ruleText, fieldName, errorText,
    el, svg, fmt, utcTime, utcDate, ago, agoSeconds, statusText, countsText, describeEvent, targetText, operationNow };
})();
