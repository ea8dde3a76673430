// The bell (notifications): its count and accessible name follow the agent's unread
// notifications, refetched when the live connection says they changed (the "portico:live"
// event), when a page comes back from the cache, and when the tab shows again. Opening a
// notice's ticket from /app/notifications marks it read.
(() => {
  const bell = document.querySelector("a[data-bell]");
  if (!bell) return;
  const badge = bell.querySelector("[data-bell-count]");
  const show = (unread) => {
    bell.setAttribute(
      "aria-label",
      unread > 0 ? `Notifications, ${unread} unread` : "Notifications, none unread",
    );
    if (!badge) return;
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = unread === 0;
  };
  let busy = false;
  const refresh = async () => {
    if (busy) return;
    busy = true;
    try {
      const res = await fetch("/api/workspace/notifications/count", {
        credentials: "same-origin",
        cache: "no-store",
      });
      if (res.ok) show((await res.json()).unread);
    } catch {
      // Offline for a moment: the next event tries again.
    } finally {
      busy = false;
    }
  };
  document.addEventListener("portico:live", (e) => {
    const topic = e.detail?.topic;
    if (topic === "notifications" || topic === "ticket" || topic === "queue" || topic === "resync") refresh();
  });
  window.addEventListener("pageshow", (e) => {
    if (e.persisted) refresh();
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refresh();
  });
  const csrf = document.querySelector("input[name=_csrf]")?.value;
  for (const link of document.querySelectorAll("a[data-notice-open]")) {
    link.addEventListener("click", () => {
      if (!csrf) return;
      fetch(`/api/workspace/notifications/${encodeURIComponent(link.dataset.noticeOpen)}/read`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf },
        keepalive: true,
      }).catch(() => {});
    });
  }
})();
