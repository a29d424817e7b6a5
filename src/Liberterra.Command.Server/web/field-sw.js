// The field page's service worker: keeps the page's own files so that it opens with no network. Network first
// (a connected phone always gets the current version), the cached copy when the network is gone. The API is never
// cached: reports wait in the page's outbox (localStorage) until they are acknowledged.
"use strict";

const CACHE = "liberterra-field-v3";
const SHELL = ["/field", "/i18n.js", "/i18n/index.json", "/common.js", "/field/field.js", "/field/field.css", "/field/manifest.webmanifest", "/field/icon.svg", "/lifecycle.json", "/lib/signalr.min.js"];

self.addEventListener("install", event => {
  // The shell, and every language's catalog as the server lists them (a new language needs no change here).
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL);
    const languages = await (await cache.match("/i18n/index.json")).json();
    await cache.addAll(languages.map(l => `/i18n/${l.code}.json`));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", event => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", event => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  // Every page under /field is the same page (it reads the operation from its address).
  const key = request.mode === "navigate" ? "/field" : url.pathname;
  if (!SHELL.includes(key) && !/^\/i18n\/[a-z-]+\.json$/.test(key)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(key, response.clone());
      return response;
    } catch (error) {
      const cached = await cache.match(key);
      if (cached) return cached;
      throw error;
    }
  })());
});
