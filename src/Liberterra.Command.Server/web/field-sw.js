// The field page's service worker: keeps the page's own files so that it opens with no network. Network first
// (a connected phone always gets the current version), the cached copy when the network is gone. The API is never
// cached: reports wait in the page's outbox (localStorage) until they are acknowledged.
"use strict";

const CACHE = "liberterra-field-v2";
const SHELL = ["/field", "/common.js", "/field/field.js", "/field/field.css", "/field/manifest.webmanifest", "/field/icon.svg", "/lifecycle.json", "/lib/signalr.min.js"];

self.addEventListener("install", event => {
  event.waitUntil(caches.open(CACHE).then(cache => cache.addAll(SHELL)).then(() => self.skipWaiting()));
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
  if (!SHELL.includes(key)) return;
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
