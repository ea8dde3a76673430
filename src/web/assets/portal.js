// Portal enhancements. Every page works without this file; with it, forms check themselves
// before sending (by the same rules as the server), long text shows its count, and the
// tracking page picks up replies without a reload.
(() => {
  const codePoints = (s) => [...s].length;
  // The page's words (customer.layout.ts puts them on <body>), English when a page has none.
  let said = {};
  try {
    said = JSON.parse(document.body.dataset.messages || "{}");
  } catch {}
  const words = {
    labels: {
      name: "Name",
      email: "Email",
      subject: "Subject",
      description: "Description",
      body: "Your reply",
    },
    required: "{label} is required",
    maxLength: "{label} must be at most {limit} characters",
    email: "{label} must be a valid email address",
    problem: "There is a problem",
    problems: "There are {count} problems",
    count: "{count} / {max} characters",
    over: "{over} characters too many ({count} / {max})",
    sending: "Sending…",
    suggested: "These articles may answer your question",
    dismiss: "Dismiss suggestions",
    openedBy: "{status} · opened by {name} on {date}",
    openedByYou: "{status} · opened by you on {date}",
    colleague: "A colleague already reported this: follow it instead",
    you: "You already reported this: follow it instead",
    statuses: {},
    draftSaved: "Draft saved.",
    ...said,
  };
  const LABELS = words.labels;
  const fill = (text, vars) => text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  const lang = document.documentElement.lang || "en";
  const fmt = (n) => n.toLocaleString(lang === "en" ? "en-US" : lang);
  const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/u;

  // Live character count, counted in code points as the server counts.
  for (const field of document.querySelectorAll("textarea[data-count]")) {
    const out = document.getElementById(field.dataset.count);
    const max = Number(field.dataset.max);
    const update = () => {
      const n = codePoints(field.value);
      out.textContent =
        n > max
          ? fill(words.over, { over: fmt(n - max), count: fmt(n), max: fmt(max) })
          : fill(words.count, { count: fmt(n), max: fmt(max) });
      out.classList.toggle("over", n > max);
    };
    field.addEventListener("input", update);
    update();
  }

  function check(form) {
    const errors = [];
    for (const el of form.querySelectorAll("input[name], textarea[name]")) {
      if (el.type === "hidden") continue;
      const v = el.value;
      let msg = "";
      const vars = { label: LABELS[el.name] || el.name, limit: el.dataset.max };
      if (el.required && !v.trim()) msg = fill(words.required, vars);
      else if (el.dataset.max && codePoints(v) > Number(el.dataset.max)) msg = fill(words.maxLength, vars);
      else if (el.type === "email" && v && !EMAIL.test(v.trim().toLowerCase())) msg = fill(words.email, vars);
      showError(el, msg);
      if (msg) errors.push([el, msg]);
    }
    return errors;
  }

  function showError(el, msg) {
    const id = `${el.id}-error`;
    let p = document.getElementById(id);
    const described = (el.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== id);
    if (!msg) {
      p?.remove();
      el.removeAttribute("aria-invalid");
      if (described.length) el.setAttribute("aria-describedby", described.join(" "));
      else el.removeAttribute("aria-describedby");
      return;
    }
    if (!p) {
      p = document.createElement("p");
      p.className = "field-error";
      p.id = id;
      el.closest(".field").append(p);
    }
    p.textContent = msg;
    el.setAttribute("aria-invalid", "true");
    el.setAttribute("aria-describedby", [...described, id].join(" "));
  }

  function summary(form, errors) {
    form.parentElement.querySelector(".error-summary")?.remove();
    if (!errors.length) return;
    const box = document.createElement("div");
    box.className = "error-summary";
    box.setAttribute("role", "alert");
    box.tabIndex = -1;
    const h = document.createElement("h2");
    h.textContent = errors.length === 1 ? words.problem : fill(words.problems, { count: errors.length });
    const ul = document.createElement("ul");
    for (const [el, msg] of errors) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = `#${el.id}`;
      a.textContent = msg;
      li.append(a);
      ul.append(li);
    }
    box.append(h, ul);
    form.before(box);
    box.focus();
  }

  for (const form of document.querySelectorAll("form[data-portal-form]")) {
    form.addEventListener("submit", (e) => {
      const errors = check(form);
      if (errors.length) {
        e.preventDefault();
        summary(form, errors);
        return;
      }
      // One submission per page: the hidden idempotency key makes a second one harmless anyway.
      const button = form.querySelector("button[type=submit]");
      if (form.dataset.sending) {
        e.preventDefault();
        return;
      }
      form.dataset.sending = "1";
      button.setAttribute("aria-disabled", "true");
      button.textContent = words.sending;
    });
  }
  document.querySelector(".error-summary")?.focus();

  // Tracking page: ask for the live part with the state shown (If-None-Match): the server answers
  // 304 while nothing changed, else the freshly rendered part, which is swapped in. The ticket's
  // cookie goes along (same origin); the address carries no token.
  const live = document.getElementById("live");
  if (live?.dataset.poll) {
    const tick = async () => {
      if (document.hidden) return;
      const current = document.getElementById("live") ?? live;
      try {
        const part = await fetch(current.dataset.poll, {
          cache: "no-store",
          headers: { "if-none-match": `"${current.dataset.state}"` },
        });
        if (part.status !== 200) return;
        const tpl = document.createElement("template");
        tpl.innerHTML = await part.text();
        const fresh = tpl.content.getElementById("live");
        const status = tpl.content.getElementById("ticket-status");
        if (!fresh || fresh.dataset.state === current.dataset.state) return;
        // Always the element on the page now: an earlier update may have replaced the first one.
        document.getElementById("live")?.replaceWith(fresh);
        document.getElementById("ticket-status")?.replaceWith(status);
        document.getElementById("live-announce").textContent = fresh.dataset.announce ?? "";
      } catch {
        // Offline for a moment: the next tick tries again.
      }
    };
    setInterval(tick, 10_000);
  }
  // Submit form: help articles that may answer the subject, as it is typed (debounced). What was
  // shown, clicked and dismissed is logged with the page's visit id, which the form also sends,
  // so agents see how many visits ended without a request.
  const panel = document.getElementById("kb-suggest");
  const subject = document.getElementById("subject");
  const visitField = document.querySelector("[data-kb-visit]");
  const VISIT_KEY = `portico-kb-visit:${location.pathname}`;
  const embedded = document.body.classList.contains("embedded");
  if (document.querySelector("[data-kb-visit-done]")) {
    try {
      sessionStorage.removeItem(VISIT_KEY);
    } catch {}
  } else if (panel && subject && visitField) {
    // Coming back from an article is the same visit.
    try {
      const kept = sessionStorage.getItem(VISIT_KEY);
      if (kept && /^[A-Za-z0-9_-]{16,64}$/.test(kept)) visitField.value = kept;
      else sessionStorage.setItem(VISIT_KEY, visitField.value);
    } catch {}
    const log = (type, articleIds) =>
      fetch(panel.dataset.events, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ visitId: visitField.value, type, ...(articleIds ? { articleIds } : {}) }),
        keepalive: true,
        // A signed-in customer's cookie goes along: on a portal that needs sign-in, only they may.
        credentials: "same-origin",
      }).catch(() => {});
    const seen = new Set();
    let timer;
    let asked = "";
    let dismissed = false;
    let seq = 0;
    const el = (tag, props) => Object.assign(document.createElement(tag), props);
    const render = (items) => {
      panel.replaceChildren();
      if (!items.length) return;
      const ul = el("ul");
      for (const it of items) {
        const a = el("a", { href: it.url, textContent: it.title });
        // Help articles are never framed: from the embed they open in a new tab.
        if (embedded) Object.assign(a, { target: "_blank", rel: "noopener" });
        a.addEventListener("click", () => log("clicked", [it.id]));
        const li = el("li");
        // The snippet as text, its matched words in <mark> (offsets from the server, never HTML).
        const p = el("p", { className: "meta" });
        let at = 0;
        for (const m of it.marks ?? []) {
          if (m.start < at || m.end > it.snippet.length) continue;
          p.append(
            it.snippet.slice(at, m.start),
            el("mark", { textContent: it.snippet.slice(m.start, m.end) }),
          );
          at = m.end;
        }
        p.append(it.snippet.slice(at));
        li.append(a, p);
        ul.append(li);
      }
      const close = el("button", { type: "button", textContent: words.dismiss });
      close.addEventListener("click", () => {
        dismissed = true;
        panel.replaceChildren();
        log("dismissed");
        subject.focus();
      });
      panel.append(el("h2", { textContent: words.suggested }), ul, close);
      const fresh = items.map((i) => i.id).filter((id) => !seen.has(id));
      for (const id of fresh) seen.add(id);
      if (fresh.length) log("shown", fresh);
    };
    const suggest = async () => {
      const q = [...subject.value.trim()].slice(0, 200).join("");
      if (dismissed || q === asked) return;
      asked = q;
      const mine = ++seq;
      if (q.length < 3) return render([]);
      try {
        const res = await fetch(`${panel.dataset.suggest}?q=${encodeURIComponent(q)}`, {
          credentials: "same-origin",
        });
        if (res.ok && mine === seq) render((await res.json()).items);
      } catch {}
    };
    subject.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(suggest, 250);
    });
    if (subject.value) suggest();
  }
  // Submit form, signed in: open requests of the customer's company on the same topic, as the
  // subject is typed (debounced), so a colleague's request is followed instead of repeated.
  const similar = document.getElementById("similar");
  if (similar && subject) {
    let timer;
    let asked = "";
    let seq = 0;
    const el = (tag, props) => Object.assign(document.createElement(tag), props);
    const render = (items) => {
      similar.replaceChildren();
      if (!items.length) return;
      const ul = el("ul");
      for (const it of items) {
        const li = el("li");
        const a = el("a", { href: `${similar.dataset.requests}${it.reference}` });
        a.append(
          el("span", { className: "reference", textContent: it.reference }),
          " ",
          el("bdi", { textContent: it.subject }),
        );
        const opened = el("time", {
          dateTime: it.createdAt,
          textContent: new Date(it.createdAt).toLocaleDateString(lang, { dateStyle: "medium" }),
        });
        const meta = el("p", { className: "meta" });
        // The sentence around the date, in the page's words: "{status} · opened by {name} on {date}".
        const vars = { status: words.statuses[it.status] ?? it.statusLabel, name: it.openedBy };
        const [before, after = ""] = (it.openedByYou ? words.openedByYou : words.openedBy).split("{date}");
        meta.append(fill(before, vars), opened, fill(after, vars));
        li.append(a, meta);
        ul.append(li);
      }
      const colleague = items.some((i) => !i.openedByYou);
      similar.append(
        el("h2", {
          textContent: colleague ? words.colleague : words.you,
        }),
        ul,
      );
    };
    const ask = async () => {
      const q = [...subject.value.trim()].slice(0, 200).join("");
      if (q === asked) return;
      asked = q;
      const mine = ++seq;
      if (q.length < 3) return render([]);
      try {
        const res = await fetch(`${similar.dataset.similar}?subject=${encodeURIComponent(q)}`, {
          credentials: "same-origin",
        });
        if (res.ok && mine === seq) render((await res.json()).items);
      } catch {}
    };
    subject.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(ask, 300);
    });
    if (subject.value) ask();
  }
})();

// Forms: a task's form saves its draft a few seconds after the customer stops typing, so it
// resumes on any device; "Save for later" and "Submit" still work without this.
(() => {
  const form = document.querySelector("form[data-form-draft]");
  if (!form) return;
  const status = form.querySelector("[data-draft-status]");
  // "Draft saved." in the page's words (customer.layout.ts puts them on <body>).
  let draftSaved = "Draft saved.";
  try {
    draftSaved = JSON.parse(document.body.dataset.messages || "{}").draftSaved || draftSaved;
  } catch {}
  let timer;
  let last = "";
  const answers = () => {
    const out = {};
    for (const el of form.elements) {
      if (!el.name?.startsWith("q_") || el.disabled) continue;
      const key = el.name.slice(2);
      if (el.type === "checkbox" && el.value === "1" && !form.querySelectorAll(`[name="${el.name}"]`)[1]) {
        out[key] = el.checked;
      } else if (el.type === "checkbox") {
        out[key] = out[key] || [];
        if (el.checked) out[key].push(el.value);
      } else if (el.type === "radio") {
        if (el.checked) out[key] = el.value;
      } else if (el.value !== "") out[key] = el.value;
    }
    return out;
  };
  const save = async () => {
    const body = JSON.stringify({ answers: answers() });
    if (body === last) return;
    try {
      const res = await fetch(form.dataset.formDraft, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": form.dataset.csrf },
        body,
      });
      if (res.ok) {
        last = body;
        if (status) status.textContent = draftSaved;
      }
    } catch {}
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(save, 3000);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", () => clearTimeout(timer));
})();

// Forms: the submit form shows the extra fields of the chosen request type only.
(() => {
  const groups = document.querySelectorAll("fieldset[data-request-type]");
  const type = document.querySelector("form[data-portal-form] select[name=type]");
  if (!groups.length || !type) return;
  const show = () => {
    for (const g of groups) {
      const on = g.dataset.requestType === type.value;
      g.hidden = !on;
      g.disabled = !on;
    }
  };
  type.addEventListener("change", show);
  show();
})();
