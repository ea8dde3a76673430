// Times in the reader's own time zone, on every page of both sides: the server writes them in UTC
// with the exact moment in <time datetime>; the UTC text stays as the element's title (a relative
// time's title is the local moment, below). Parts of a page replaced later (live updates, the
// queue's refresh) are localised as they arrive.
(() => {
  // In the page's language (a customer page may be German or French), with the browser's own
  // region of it when it has one (en-GB, de-AT), in the browser's zone.
  const lang = document.documentElement.lang;
  const regional = lang && (navigator.languages ?? []).find((l) => l.toLowerCase().split("-")[0] === lang);
  let localTime;
  try {
    localTime = new Intl.DateTimeFormat(regional || lang || undefined, {
      dateStyle: "medium",
      timeStyle: "short",
    });
  } catch {
    localTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  }
  // A signed-in customer who chose a time zone on their account: their times carry data-zone.
  const zoned = new Map();
  const formatIn = (zone) => {
    if (!zone) return localTime;
    if (!zoned.has(zone)) {
      let f = localTime;
      try {
        f = new Intl.DateTimeFormat(localTime.resolvedOptions().locale, {
          dateStyle: "medium",
          timeStyle: "short",
          timeZone: zone,
        });
      } catch {}
      zoned.set(zone, f);
    }
    return zoned.get(zone);
  };
  const localise = (root) => {
    const times = root.matches?.("time[datetime]") ? [root] : root.querySelectorAll("time[datetime]");
    for (const el of times) {
      const d = new Date(el.getAttribute("datetime"));
      // A relative time ("in 45 min", "3 h", sla.js counts it) keeps its text: the moment itself,
      // in the reader's zone, is its title.
      if (el.hasAttribute("data-relative") && !Number.isNaN(d.getTime())) {
        el.title = formatIn(el.dataset.zone || document.body?.dataset.zone).format(d);
        continue;
      }
      if (Number.isNaN(d.getTime()) || el.dataset.local) continue;
      el.title = el.textContent;
      // An agent who chose a time zone on their profile: the app's body carries it.
      el.textContent = formatIn(el.dataset.zone || document.body?.dataset.zone).format(d);
      el.dataset.local = "1";
    }
  };
  localise(document);
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) if (n.nodeType === 1) localise(n);
  }).observe(document.body, { childList: true, subtree: true });
})();
