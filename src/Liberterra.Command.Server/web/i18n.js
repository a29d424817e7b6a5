// The pages' languages. Every word a page shows comes from a catalog, web/i18n/{lang}.json (one flat object: key ->
// text, or for a count key -> {plural category -> text}); numbers, dates, times, durations, relative times, plurals
// and lists are the browser's Intl. A new language is one file in web/i18n/: the server lists them (/i18n/index.json)
// from each file's "@name" and "@dir".
//
// Which language: ?lang= in the address (a wall pinned to a language in its link), else the one chosen on this
// device (the picker on each page, kept in localStorage), else the first of the browser's languages we have, else
// English. Arabic is written right to left: <html dir="rtl">, and the pages' CSS uses logical properties.
"use strict";

const I18n = (() => {
  const storeKey = "liberterra.lang";
  const fallback = "en";
  const state = { lang: fallback, dir: "ltr", languages: [], catalog: {}, english: {}, locale: fallback };
  /** Keys a page asked for that the chosen language lacks (shown in English) or that no catalog has (shown raw). */
  const missing = new Set();

  function requested() {
    const fromAddress = new URLSearchParams(location.search).get("lang");
    return { pinned: fromAddress, stored: safeStorage(() => localStorage.getItem(storeKey)) };
  }

  function safeStorage(f) { try { return f(); } catch { return null; } }

  /** The best of `wanted` (BCP 47 tags, most wanted first) among the codes we have. */
  function match(wanted, have) {
    for (const tag of wanted.filter(Boolean)) {
      const lower = tag.toLowerCase();
      if (have.includes(lower)) return lower;
      const primary = lower.split("-")[0];
      if (have.includes(primary)) return primary;
    }
    return null;
  }

  async function json(url) {
    const response = await fetch(url, { cache: "no-cache" });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  }

  async function load() {
    const englishRead = json(`/i18n/${fallback}.json`);
    let languages;
    try { languages = await json("/i18n/index.json"); } catch { languages = [{ code: fallback, name: "English", dir: "ltr" }]; }
    state.languages = languages;
    const codes = languages.map(l => l.code);
    const { pinned, stored } = requested();
    state.lang = match([pinned, stored, ...(navigator.languages || [navigator.language])], codes) || fallback;
    const entry = languages.find(l => l.code === state.lang);
    state.dir = entry && entry.dir === "rtl" ? "rtl" : "ltr";
    // Latin digits everywhere: call signs (AR-RAID-01), times and coordinates are Latin, and figures beside them
    // read best in the same digits (docs/i18n/glossary-ar.md).
    state.locale = state.lang === "ar" ? "ar-u-nu-latn" : state.lang;
    try { state.english = await englishRead; } catch { state.english = {}; }
    try { state.catalog = state.lang === fallback ? state.english : await json(`/i18n/${state.lang}.json`); } catch { state.catalog = state.english; }
    document.documentElement.lang = state.lang;
    document.documentElement.dir = state.dir;
    apply(document);
  }

  // ------------------------------------------------------------------ words

  function lookup(key) {
    if (Object.prototype.hasOwnProperty.call(state.catalog, key)) return state.catalog[key];
    missing.add(key);
    if (Object.prototype.hasOwnProperty.call(state.english, key)) return state.english[key];
    return null;
  }

  function has(key) { return Object.prototype.hasOwnProperty.call(state.catalog, key) || Object.prototype.hasOwnProperty.call(state.english, key); }

  let plurals = null;
  function pluralForm(value, count) {
    if (typeof value === "string") return value;
    plurals = plurals && plurals.lang === state.lang ? plurals : { lang: state.lang, rules: new Intl.PluralRules(state.locale) };
    const category = plurals.rules.select(Math.abs(Number(count) || 0));
    return value[category] ?? value.other ?? Object.values(value)[0];
  }

  /** The text of `key` with {placeholders} filled: numbers formatted for the language, a `count` choosing the plural. */
  function t(key, args = {}) {
    const value = lookup(key);
    if (value === null) return key;
    const template = pluralForm(value, args.count);
    return template.replace(/\{(\w+)\}/g, (whole, name) => {
      if (!(name in args)) return whole;
      const v = args[name];
      return typeof v === "number" ? number(v) : String(v ?? "");
    });
  }

  /**
   * Fills `node` with `key`'s text, where an argument may be a DOM node (a figure in bold, a live number): word order
   * is the language's, the nodes are kept as they are. Text is always text, never markup.
   */
  function fill(node, key, args = {}) {
    const value = lookup(key);
    const template = value === null ? key : pluralForm(value, args.count);
    const parts = [];
    let last = 0;
    template.replace(/\{(\w+)\}/g, (whole, name, at) => {
      parts.push(template.slice(last, at));
      const v = args[name];
      parts.push(v instanceof Node ? v : v === undefined ? whole : typeof v === "number" ? number(v) : String(v));
      last = at + whole.length;
      return whole;
    });
    parts.push(template.slice(last));
    node.replaceChildren(...parts.filter(p => p !== ""));
    return node;
  }

  /** The words in the page's own markup: data-i18n (text), data-i18n-label / -placeholder / -title (attributes). */
  function apply(root) {
    for (const e of root.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
    for (const e of root.querySelectorAll("[data-i18n-label]")) e.setAttribute("aria-label", t(e.dataset.i18nLabel));
    for (const e of root.querySelectorAll("[data-i18n-placeholder]")) e.setAttribute("placeholder", t(e.dataset.i18nPlaceholder));
    for (const e of root.querySelectorAll("[data-i18n-title]")) e.setAttribute("title", t(e.dataset.i18nTitle));
    const title = document.querySelector("title[data-i18n]");
    if (title) document.title = t(title.dataset.i18n);
  }

  // ------------------------------------------------------------------ numbers, times, lists

  const formats = new Map();
  function format(kind, options, make) {
    const key = `${kind}|${state.locale}|${JSON.stringify(options)}`;
    if (!formats.has(key)) formats.set(key, make());
    return formats.get(key);
  }

  function number(n, options = {}) { return format("n", options, () => new Intl.NumberFormat(state.locale, options)).format(n); }

  /**
   * Signed: +2, −1 (the language's signs). In a right-to-left page the figure is isolated left to right, or "+1"
   * would show as "1+" beside Arabic words.
   */
  function signed(n) {
    const text = number(n, { signDisplay: "exceptZero" });
    return state.dir === "rtl" ? `\u2066${text}\u2069` : text;
  }

  function dateTime(d, options) {
    return format("d", options, () => new Intl.DateTimeFormat(state.locale, options)).format(d instanceof Date ? d : new Date(d));
  }

  /** 14:02:11, in UTC (the wall: an operations room spans time zones). */
  function utcTime(d) { return dateTime(d, { timeZone: "UTC", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }); }

  /** Sat 5 Oct 2024, in UTC. */
  function utcDate(d) { return dateTime(d, { timeZone: "UTC", weekday: "short", day: "numeric", month: "short", year: "numeric" }); }

  /** 5 Oct 2024, 14:02 UTC: a date and time in UTC, saying so. */
  function utcDateTime(d) { return t("time.utc", { time: dateTime(d, { timeZone: "UTC", dateStyle: "medium", timeStyle: "short", hourCycle: "h23" }) }); }

  /** 14:02 GMT-3: the device's time with its zone (the field page: the lead's own clock). */
  function localTime(d) { return dateTime(d, { hour: "2-digit", minute: "2-digit", timeZoneName: "short" }); }

  /** A duration as the wall writes it: 45 s, 12 min, 1 h 4 min, 2 d 3 h (the two largest units). */
  function duration(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const d = Math.floor(total / 86400), h = Math.floor(total % 86400 / 3600), m = Math.floor(total % 3600 / 60), s = total % 60;
    if (total === 0) return number(0, { style: "unit", unit: "second", unitDisplay: "short" });
    const parts = total < 60 ? { seconds: s } : total < 3600 ? { minutes: m } : total < 172800 ? { hours: Math.floor(total / 3600), minutes: m } : { days: d, hours: h };
    if (typeof Intl.DurationFormat === "function") return format("dur", {}, () => new Intl.DurationFormat(state.locale, { style: "short" })).format(parts);
    const units = { days: "day", hours: "hour", minutes: "minute", seconds: "second" };
    return Object.entries(parts).filter(([, v]) => v).map(([u, v]) => number(v, { style: "unit", unit: units[u], unitDisplay: "short" })).join(" ") || number(0, { style: "unit", unit: "second", unitDisplay: "short" });
  }

  /** "just now", "12 min ago", "3 h 5 min ago", "2 days ago": RelativeTimeFormat for one unit, a duration beyond. */
  function ago(time, now = Date.now()) {
    const ms = Math.max(0, now - time);
    const minutes = Math.floor(ms / 60000);
    const rtf = format("rt", {}, () => new Intl.RelativeTimeFormat(state.locale, { numeric: "auto", style: "long" }));
    if (minutes < 1) return t("time.justNow");
    if (minutes < 60) return rtf.format(-minutes, "minute");
    if (minutes < 48 * 60) return minutes % 60 === 0 ? rtf.format(-minutes / 60, "hour") : t("time.durationAgo", { duration: duration(ms) });
    return rtf.format(-Math.floor(minutes / 1440), "day");
  }

  /** "12 s ago" under a minute (a connection's silence is counted in seconds), else as ago(). */
  function agoSeconds(time, now = Date.now()) {
    const seconds = Math.max(0, Math.floor((now - time) / 1000));
    if (seconds >= 60) return ago(time, now);
    return format("rt", {}, () => new Intl.RelativeTimeFormat(state.locale, { numeric: "auto", style: "long" })).format(-seconds, "second");
  }

  /** "A, B and C" in the language. */
  function list(items, type = "conjunction") {
    return format("l", { type }, () => new Intl.ListFormat(state.locale, { style: "long", type })).format(items.map(String));
  }

  /** A country's name in the language, from its ISO 3166 code (the code itself if the browser has no name). */
  function country(code) {
    try { return format("c", {}, () => new Intl.DisplayNames([state.locale], { type: "region" })).of(code) || code; } catch { return code; }
  }

  // ------------------------------------------------------------------ the picker

  /** A language menu (native names) in `container`: the choice is kept on this device; a pinned ?lang= follows it. */
  function picker(container) {
    if (!container) return;
    const select = document.createElement("select");
    select.className = "lang-picker";
    select.setAttribute("aria-label", t("lang.choose"));
    for (const l of state.languages) {
      const option = document.createElement("option");
      option.value = l.code;
      option.textContent = l.name;
      option.lang = l.code;
      option.selected = l.code === state.lang;
      select.append(option);
    }
    select.addEventListener("change", () => {
      safeStorage(() => localStorage.setItem(storeKey, select.value));
      const url = new URL(location.href);
      if (url.searchParams.has("lang")) url.searchParams.set("lang", select.value);
      location.replace(url.toString());
    });
    container.replaceChildren(select);
  }

  const ready = load().catch(() => {});

  return {
    ready, t, has, fill, apply, picker, number, signed, dateTime, utcTime, utcDate, utcDateTime, localTime, duration, ago, agoSeconds, list, country,
    get lang() { return state.lang; }, get dir() { return state.dir; }, get locale() { return state.locale; },
    get languages() { return state.languages; }, missing,
  };
})();
