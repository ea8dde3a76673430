// SLA deadlines and ages count on their own (sla.ticket.views.ts writes the first text): every
// half minute, "in 45 min" becomes "Due soon: in 20 min" and then "Overdue: 5 min", the state in
// words and in the class (colour) alike; ages in the queue grow.
(() => {
  const span = (ms) => {
    const m = Math.max(0, Math.round(Math.abs(ms) / 60000));
    if (m < 1) return "< 1 min";
    if (m < 60) return `${m} min`;
    const h = Math.floor(m / 60);
    if (h < 10 && m % 60) return `${h} h ${m % 60} min`;
    if (h < 48) return `${h} h`;
    return `${Math.floor(h / 24)} d`;
  };
  const tick = () => {
    const now = Date.now();
    for (const el of document.querySelectorAll("time[data-countdown]")) {
      const due = Date.parse(el.getAttribute("datetime"));
      if (Number.isNaN(due)) continue;
      const warn = el.dataset.warnAt ? Date.parse(el.dataset.warnAt) : due - 3600000;
      const st = due <= now ? "overdue" : warn <= now ? "soon" : "ok";
      el.classList.remove("sla-overdue", "sla-soon", "sla-ok");
      el.classList.add(`sla-${st}`);
      el.textContent =
        st === "overdue"
          ? `Overdue: ${span(due - now)}`
          : `${st === "soon" ? "Due soon: " : ""}in ${span(due - now)}`;
    }
    for (const el of document.querySelectorAll("time[data-age]")) {
      const at = Date.parse(el.getAttribute("datetime"));
      if (!Number.isNaN(at)) el.textContent = span(now - at);
    }
  };
  tick();
  setInterval(tick, 30000);
})();
