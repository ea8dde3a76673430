// Live updates for the workspace app (the stream's server side: src/server/live/). Every page
// works without this file: the queue and ticket pages then poll every 10 s (app.js).
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  // --- live updates: one event stream per tab ----------------------------------------------------
  // Every event of /api/workspace/live is dispatched as a "portico:live" CustomEvent on document
  // (detail: {topic, reference?, data?}); the queue, the ticket page, the bell and the view counts
  // listen to it. Each time the stream opens, a {topic: "resync"} event says to read again.
  // <html data-live="up"> while the stream is open; the pages' slow polls run only while it is
  // not. A stream that fails is opened again after 1, 2, 4 … at most 60 s.
  if ($('form[action="/app/sign-out"]') && "EventSource" in window) {
    let delay = 1000;
    let timer = 0;
    const connect = () => {
      const source = new EventSource("/api/workspace/live");
      source.onopen = () => {
        delay = 1000;
        document.documentElement.dataset.live = "up";
        // What changed before the stream was open (since the page was made, or while it was down)
        // was said to no one: the pages read theirs again once.
        document.dispatchEvent(new CustomEvent("portico:live", { detail: { topic: "resync" } }));
      };
      source.onmessage = (e) => {
        let detail;
        try {
          detail = JSON.parse(e.data);
        } catch {
          return;
        }
        document.dispatchEvent(new CustomEvent("portico:live", { detail }));
      };
      source.onerror = () => {
        document.documentElement.dataset.live = "down";
        source.close();
        clearTimeout(timer);
        timer = setTimeout(connect, delay + Math.random() * 500);
        delay = Math.min(delay * 2, 60000);
      };
    };
    connect();
  }

  // --- who else is on this ticket ----------------------------------------------------------------
  const presence = $("#presence[data-presence]");
  if (presence) {
    const csrf = $('input[name="_csrf"]')?.value ?? "";
    const me = presence.dataset.agent;
    const others = new Map();
    const render = () => {
      const now = Date.now();
      const typing = [];
      const viewing = [];
      for (const [id, p] of others) {
        if (p.until <= now) others.delete(id);
        else (p.state === "typing" && p.typingUntil > now ? typing : viewing).push(p.name);
      }
      const list = (names) =>
        names.length <= 2 ? names.join(" and ") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
      const parts = [];
      if (typing.length) parts.push(`${list(typing)} ${typing.length === 1 ? "is" : "are"} typing…`);
      if (viewing.length) parts.push(`${list(viewing)} ${viewing.length === 1 ? "is" : "are"} viewing`);
      const text = parts.join(" · ");
      if (presence.textContent !== text) presence.textContent = text;
    };
    const hear = (p) => {
      if (p.agentId === me) return;
      const before = others.get(p.agentId);
      const now = Date.now();
      others.set(p.agentId, {
        name: p.name,
        state: p.state,
        typingUntil: p.state === "typing" ? now + p.ttlMs : 0,
        // Typing is short-lived; the agent still views the page after it.
        until: Math.max(now + p.ttlMs, p.state === "typing" ? (before?.until ?? 0) : 0),
      });
    };
    let sentTypingAt = 0;
    const beat = async (state) => {
      try {
        const res = await fetch(presence.dataset.presence, {
          method: "POST",
          credentials: "same-origin",
          headers: { "content-type": "application/json", "x-csrf-token": csrf },
          body: JSON.stringify({ state }),
        });
        if (!res.ok) return;
        const answer = await res.json();
        others.clear();
        for (const p of answer.others) hear(p);
        render();
      } catch {
        // The next heartbeat tries again.
      }
    };
    document.addEventListener("portico:live", (e) => {
      const d = e.detail;
      if (d.topic !== "presence" || d.reference !== presence.dataset.reference || !d.data) return;
      hear(d.data);
      render();
    });
    $("#body")?.addEventListener("input", () => {
      if (Date.now() - sentTypingAt < 3000) return;
      sentTypingAt = Date.now();
      beat("typing");
    });
    setInterval(() => {
      if (!document.hidden) beat("viewing");
    }, 15000);
    setInterval(render, 2000);
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) beat("viewing");
    });
    render();
    beat("viewing");
  }
})();
