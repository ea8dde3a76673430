// The floating widget's panel (/portal/{slug}/widget, in an iframe the loader opened on a
// customer's site). Four views: help (search with answers inline, recent requests), an article,
// the request form (suggestions as the subject is typed, logged for the deflection rate like the
// submit page's; files uploaded with progress), and the confirmation. Recent requests are kept in
// this frame's localStorage only. Escape or the close button asks the loader to close the panel.
(() => {
  const body = document.body;
  const $ = (id) => document.getElementById(id);
  const el = (tag, props, ...kids) => {
    const e = Object.assign(document.createElement(tag), props);
    e.append(...kids);
    return e;
  };
  const close = () => parent.postMessage({ portico: "close" }, "*");
  $("w-close")?.addEventListener("click", close);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") close();
  });
  const api = body.dataset.api;
  if (!api) return;
  // The page's words in the reader's language (widget.views.ts), with {name}-style holes.
  let words = {};
  try {
    words = JSON.parse(body.dataset.words ?? "{}");
  } catch {}
  const w = (key, vars = {}) => (words[key] ?? key).replace(/\{(\w+)\}/g, (_, n) => String(vars[n] ?? ""));
  const slug = body.dataset.slug;
  const csrf = body.dataset.csrf;
  const json = (res) => res.json().catch(() => ({}));
  const get = (path) => fetch(`${api}${path}`, { credentials: "same-origin" });
  const post = (path, data, headers = {}) =>
    fetch(`${api}${path}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", ...(csrf ? { "x-csrf-token": csrf } : {}), ...headers },
      body: JSON.stringify(data),
    });
  const randomId = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

  // --- views ------------------------------------------------------------------------------------
  const views = [...document.querySelectorAll("[data-view]")];
  let current = "v-home";
  let returnTo = null;
  const show = (id, focus = true) => {
    for (const v of views) v.hidden = v.id !== id;
    current = id;
    document.scrollingElement.scrollTop = 0;
    if (focus) $(id).querySelector("h2").focus();
  };
  const home = () => {
    show("v-home", false);
    if (returnTo?.isConnected) returnTo.focus();
    else $("w-q")?.focus() ?? $("w-home-title").focus();
    returnTo = null;
  };
  for (const b of document.querySelectorAll("[data-back]")) {
    if (!b.closest("#v-article")) b.addEventListener("click", home);
  }
  const openForm = () => {
    show("v-form", false);
    ($("w-name") ?? $("w-subject")).focus();
  };
  $("w-new")?.addEventListener("click", openForm);
  for (const b of document.querySelectorAll("[data-new]")) b.addEventListener("click", openForm);
  const focusNow = () => {
    if (current === "v-home") ($("w-q") ?? $("w-home-title")).focus();
    else $(current).querySelector("h2").focus();
  };
  window.addEventListener("message", (e) => {
    if (e.source === parent && e.data?.portico === "focus") focusNow();
  });
  focusNow();

  // --- articles, inline ---------------------------------------------------------------------------
  const marked = (hit) => {
    const p = el("p", { className: "meta" });
    let at = 0;
    for (const m of hit.marks ?? []) {
      if (m.start < at || m.end > hit.snippet.length) continue;
      p.append(hit.snippet.slice(at, m.start), el("mark", {}, hit.snippet.slice(m.start, m.end)));
      at = m.end;
    }
    p.append(hit.snippet.slice(at));
    return p;
  };
  const openArticle = async (hit, from, back) => {
    const res = await get(`/kb/articles/${encodeURIComponent(hit.slug)}`).catch(() => null);
    if (!res?.ok) return;
    const a = await json(res);
    $("w-article-title").textContent = a.title;
    // The article's HTML as the portal shows it (sanitised when saved); links leave the frame.
    const box = $("w-article-body");
    box.innerHTML = a.html;
    for (const link of box.querySelectorAll("a[href]"))
      Object.assign(link, { target: "_blank", rel: "noopener" });
    returnTo = from;
    backTo = back;
    show("v-article");
  };
  let backTo = "v-home";
  for (const b of $("v-article").querySelectorAll("[data-back]")) {
    b.addEventListener("click", () => {
      if (backTo !== "v-form") return home();
      show("v-form", false);
      (returnTo?.isConnected ? returnTo : $("w-subject")).focus();
    });
  }

  const hitItem = (hit, onOpen, back) => {
    const b = el("button", { type: "button", textContent: hit.title });
    b.addEventListener("click", () => {
      onOpen?.();
      openArticle(hit, b, back);
    });
    return el("li", {}, b, marked(hit));
  };

  // --- search ---------------------------------------------------------------------------------------
  const search = $("w-search");
  search?.addEventListener("submit", async (e) => {
    e.preventDefault();
    const q = $("w-q").value.trim();
    const status = $("w-results-status");
    const list = $("w-results");
    if (!q) return;
    status.textContent = w("searching");
    const res = await get(`/kb/search?q=${encodeURIComponent(q.slice(0, 200))}`).catch(() => null);
    const data = res?.ok ? await json(res) : null;
    if (!data) {
      status.textContent = w("searchFailed");
      return;
    }
    list.replaceChildren(...data.items.map((h) => hitItem(h, undefined, "v-home")));
    const n = data.items.length;
    status.textContent = n ? w("found", { count: n }) : data.notFoundText;
  });

  // --- suggestions while the subject is typed (deflection) -----------------------------------------
  const visitId = randomId();
  const subject = $("w-subject");
  const suggest = $("w-suggest");
  const log = (type, articleIds) =>
    post("/kb/events", { visitId, type, ...(articleIds ? { articleIds } : {}) }).catch(() => {});
  if (subject && suggest) {
    const seen = new Set();
    let timer;
    let asked = "";
    let dismissed = false;
    let seq = 0;
    const render = (items) => {
      suggest.replaceChildren();
      if (!items.length) return;
      const close = el("button", { type: "button", className: "link", textContent: w("dismiss") });
      close.addEventListener("click", () => {
        dismissed = true;
        suggest.replaceChildren();
        log("dismissed");
        subject.focus();
      });
      suggest.append(
        el("h3", { textContent: w("suggested") }),
        el("ul", {}, ...items.map((h) => hitItem(h, () => log("clicked", [h.id]), "v-form"))),
        close,
      );
      const fresh = items.map((i) => i.id).filter((id) => !seen.has(id));
      for (const id of fresh) seen.add(id);
      if (fresh.length) log("shown", fresh);
    };
    const ask = async () => {
      const q = [...subject.value.trim()].slice(0, 200).join("");
      if (dismissed || q === asked) return;
      asked = q;
      const mine = ++seq;
      if (q.length < 3) return render([]);
      const res = await get(`/kb/suggestions?q=${encodeURIComponent(q)}`).catch(() => null);
      if (res?.ok && mine === seq) render((await json(res)).items ?? []);
    };
    subject.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(ask, 250);
    });
  }

  // --- files, uploaded as they are chosen ---------------------------------------------------------
  const maxFiles = Number(body.dataset.maxFiles);
  const maxBytes = Number(body.dataset.maxBytes);
  const files = []; // { name, key?, xhr?, li }
  const fileInput = $("w-files");
  const fileList = $("w-file-list");
  const fileStatus = $("w-files-status");
  const uploading = () => files.some((f) => f.xhr);
  const upload = (file) => {
    const entry = { name: file.name };
    const bar = el("progress", { max: 100, value: 0 });
    bar.setAttribute("aria-label", w("uploading", { name: file.name }));
    const note = el("span", { className: "meta", textContent: ` ${w("uploadingNote")}` });
    const remove = el("button", { type: "button", className: "link", textContent: w("remove") });
    remove.append(el("span", { className: "visually-hidden", textContent: ` ${file.name}` }));
    entry.li = el("li", {}, el("span", { textContent: file.name }), note, bar, remove);
    remove.addEventListener("click", () => {
      entry.xhr?.abort();
      entry.li.remove();
      files.splice(files.indexOf(entry), 1);
      fileStatus.textContent = w("removed", { name: file.name });
      fileInput.focus();
    });
    fileList.append(entry.li);
    files.push(entry);
    if (file.size > maxBytes) {
      bar.remove();
      note.textContent = ` ${w("tooLargeNote", { mb: maxBytes / 1024 / 1024 })}`;
      entry.failed = true;
      fileStatus.textContent = w("tooLarge", { name: file.name });
      return;
    }
    const xhr = new XMLHttpRequest();
    entry.xhr = xhr;
    let announced = 0;
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.round((e.loaded / e.total) * 100);
      bar.value = pct;
      if (pct - announced >= 50 && pct < 100) {
        announced = pct;
        fileStatus.textContent = w("progress", { name: file.name, pct });
      }
    });
    xhr.addEventListener("loadend", () => {
      entry.xhr = undefined;
      let answer = {};
      try {
        answer = JSON.parse(xhr.responseText);
      } catch {}
      if (xhr.status === 201 && answer.key) {
        entry.key = answer.key;
        bar.value = 100;
        note.textContent = ` ${w("attachedNote")}`;
        fileStatus.textContent = w("attached", { name: file.name });
      } else if (xhr.status !== 0 || !entry.li.isConnected) {
        entry.failed = true;
        bar.remove();
        note.textContent = ` ${w("failedNote")} ${answer.error?.message ?? w("tryAgain")}`;
        fileStatus.textContent = w("failed", { name: file.name });
      }
    });
    xhr.open("POST", `${body.dataset.upload}&name=${encodeURIComponent(file.name)}`);
    if (csrf) xhr.setRequestHeader("x-csrf-token", csrf);
    xhr.send(file);
    fileStatus.textContent = w("uploading", { name: file.name });
  };
  fileInput?.addEventListener("change", () => {
    for (const f of fileInput.files) {
      if (files.length >= maxFiles) {
        fileStatus.textContent = w("maxFiles", { max: maxFiles });
        break;
      }
      upload(f);
    }
    fileInput.value = "";
  });

  // --- recent requests, in this browser only ------------------------------------------------------
  const KEY = `portico-widget:${slug}`;
  const recent = () => {
    try {
      const v = JSON.parse(localStorage.getItem(KEY) ?? "[]");
      return Array.isArray(v) ? v.filter((r) => r && typeof r.reference === "string") : [];
    } catch {
      return [];
    }
  };
  const keep = (list) => {
    try {
      if (list.length) localStorage.setItem(KEY, JSON.stringify(list.slice(0, 10)));
      else localStorage.removeItem(KEY);
    } catch {}
  };
  const safeUrl = (u) => {
    try {
      const url = new URL(u, location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch {
      return null;
    }
  };
  const renderRecent = () => {
    const list = recent();
    $("w-recent").hidden = !list.length;
    $("w-recent-list").replaceChildren(
      ...list.map((r) => {
        const href = r.url && safeUrl(r.url);
        const title = `${r.reference} · ${r.subject}`;
        const link = href
          ? el(
              "a",
              { href, target: "_blank", rel: "noopener", textContent: title },
              el("span", { className: "visually-hidden", textContent: ` ${w("newTab")}` }),
            )
          : el("span", { textContent: title });
        const at = new Date(r.at);
        const when = el("time", {
          className: "when meta",
          dateTime: r.at,
          textContent: Number.isNaN(at.getTime())
            ? ""
            : at.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }),
        });
        // Written in the reader's own zone here (time.js is not loaded in the panel).
        when.dataset.local = "";
        return el("li", {}, link, when);
      }),
    );
  };
  $("w-forget")?.addEventListener("click", () => {
    keep([]);
    renderRecent();
    ($("w-q") ?? $("w-home-title")).focus();
  });
  renderRecent();

  // --- the request ---------------------------------------------------------------------------------
  const form = $("w-form");
  const summary = $("w-form-error");
  const setError = (name, message) => {
    const input = $(`w-${name}`);
    const p = $(`w-${name}-error`);
    if (!input || !p) return false;
    p.textContent = message ?? "";
    p.hidden = !message;
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    return true;
  };
  let key = randomId();
  form?.addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = (n) => $(`w-${n}`)?.value.trim() ?? "";
    const errors = {};
    for (const n of ["name", "email", "subject"]) {
      if ($(`w-${n}`) && !value(n)) errors[n] = w("required");
    }
    if ($("w-email") && value("email") && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value("email")))
      errors.email = w("badEmail");
    const showErrors = (errs, message) => {
      let first = null;
      for (const n of ["name", "email", "subject", "description"]) {
        if (setError(n, errs[n]) && errs[n] && !first) first = $(`w-${n}`);
      }
      const others = Object.entries(errs).filter(
        ([n]) => !["name", "email", "subject", "description"].includes(n),
      );
      const text = message ?? (others.length ? others.map(([n, m]) => `${n} ${m}`).join(" ") : "");
      summary.textContent = text;
      summary.hidden = !text;
      (first ?? (text ? summary : null))?.focus?.();
    };
    if (Object.keys(errors).length) return showErrors(errors);
    if (uploading()) return showErrors({}, w("waitUploads"));
    const send = $("w-send");
    send.disabled = true;
    const label = send.textContent;
    send.textContent = w("sending");
    try {
      const attachments = files.filter((f) => f.key).map((f) => f.key);
      const data = {
        ...($("w-name") ? { name: value("name"), email: value("email") } : {}),
        subject: value("subject"),
        ...(value("description") ? { description: $("w-description").value } : {}),
        ...(attachments.length ? { attachments } : {}),
        kbVisitId: visitId,
      };
      const res = await post("/tickets", data, { "idempotency-key": `widget-${key}` }).catch(() => null);
      const answer = res ? await json(res) : {};
      if (res?.status !== 201) {
        return showErrors(
          answer.error?.fields ?? {},
          answer.error?.fields ? undefined : (answer.error?.message ?? w("sendFailed")),
        );
      }
      showErrors({});
      const url = answer.trackingUrl ? new URL(answer.trackingUrl, location.href).href : null;
      keep([{ reference: answer.reference, subject: data.subject, url, at: answer.createdAt }, ...recent()]);
      renderRecent();
      $("w-ref").textContent = answer.reference;
      $("w-track-p").hidden = !url;
      if (url) $("w-track").href = url;
      form.reset();
      fileList.replaceChildren();
      files.length = 0;
      suggest?.replaceChildren();
      key = randomId();
      show("v-done");
    } finally {
      send.disabled = false;
      send.textContent = label;
    }
  });
})();
