// Sign-in for the Orleans dashboard (/dashboard): the admin credential (from #token=, the pages' stored one or pasted)
// is exchanged for an HttpOnly cookie scoped to /dashboard, because the dashboard's own page cannot send a bearer token.
"use strict";

(() => {
  const L = Liberterra;
  L.adoptTokenFromFragment();
  I18n.ready.then(() => I18n.picker(document.getElementById("lang")));
  const box = document.getElementById("token");
  const message = document.getElementById("message");
  if (L.token()) box.value = L.token();

  async function open(token) {
    message.textContent = I18n.t("dashboard.signingIn");
    try {
      const response = await fetch("/api/dashboard/session", {
        method: "POST", headers: { "Authorization": "Bearer " + token.trim() }, cache: "no-store",
      });
      if (!response.ok) {
        let problem = null;
        try { problem = await response.json(); } catch { problem = null; }
        message.textContent = response.status === 403
          ? I18n.t("dashboard.notAdmin")
          : L.describeProblem(response.status, problem);
        return;
      }
      location.assign("/dashboard/");
    } catch {
      message.textContent = I18n.t("live.unreachable");
    }
  }

  document.getElementById("signin").addEventListener("submit", e => {
    e.preventDefault();
    if (box.value.trim()) open(box.value);
  });
})();
