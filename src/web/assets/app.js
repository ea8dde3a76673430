// Workspace app enhancements. Every page works without this file; with it the queue refreshes
// itself, keyboard shortcuts work, copy buttons copy, and the branding preview follows typing.
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
  const announce = (text) => {
    const live = $("#live-announce");
    if (live) live.textContent = text;
  };

  // A form sends once: a double click does not post twice.
  for (const form of $$("form[data-once]")) {
    form.addEventListener("submit", () => {
      for (const b of $$("button[type=submit]", form)) {
        setTimeout(() => {
          b.disabled = true;
        });
      }
    });
  }

  // A refused form: its error summary (rendered only then) takes the focus, so keyboard and
  // screen-reader users land on the list of problems, each a link to its field.
  $(".error-summary")?.focus();

  /**
   * Fetches an HTML fragment every 10 s while the page is visible and the live stream is down
   * (and at once when it shows again) and hands the parsed document to `apply`; one request at a
   * time (one asked meanwhile follows it), and a failed one is simply tried again on the next tick.
   * Returns the refresh, for the live events (onLive).
   */
  function poll(url, apply) {
    let busy = false;
    let again = false;
    const refresh = async () => {
      if (document.hidden) return;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        const res = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        if (res.redirected || !res.ok) return;
        apply(new DOMParser().parseFromString(await res.text(), "text/html"));
      } catch {
        // Offline for a moment: the next tick tries again.
      } finally {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      }
    };
    // Live (live.js): refreshed on the stream's events (onLive); this poll only while it is down.
    setInterval(() => {
      if (document.documentElement.dataset.live !== "up") refresh();
    }, 10000);
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) refresh();
    });
    return refresh;
  }

  /** Calls `refresh` on each "portico:live" event (live.js) that `wants`. */
  const onLive = (wants, refresh) =>
    document.addEventListener("portico:live", (e) => {
      if (wants(e.detail)) refresh();
    });

  // --- the queue refreshes itself ---------------------------------------------------------------
  const live = $("#queue-live[data-poll]");
  if (live) {
    const refreshQueue = poll(live.dataset.poll, (doc) => {
      const next = $("#queue-live", doc);
      const current = $("#queue-live");
      if (!next || !current || next.dataset.state === current.dataset.state) return;
      const before = new Set($$("[data-row-link]", current).map((a) => a.getAttribute("href")));
      const selected = $("tr.selected [data-row-link]", current)?.getAttribute("href");
      const hadFocus = current.contains(document.activeElement);
      const kept = keepPicks(current);
      current.replaceWith(next);
      kept(next);
      const fresh = $$("[data-row-link]", next).filter((a) => !before.has(a.getAttribute("href"))).length;
      announce(
        fresh
          ? `${fresh} new or updated ${fresh === 1 ? "ticket" : "tickets"} in the queue`
          : "Queue updated",
      );
      if (selected) {
        const row = $(`[data-row-link][href="${CSS.escape(selected)}"]`, next)?.closest("tr");
        if (row) select(row, hadFocus && !next.contains(document.activeElement));
      }
    });
    onLive((d) => d.topic === "ticket" || d.topic === "queue" || d.topic === "resync", refreshQueue);
  }

  /**
   * The bulk bar's ticks (faster.js) and a focused checkbox survive the queue's refresh: read
   * before the swap, put back on the fresh rows after it, and the bar's count said again.
   */
  function keepPicks(current) {
    const ticked = new Set($$("input[data-pick]:checked", current).map((c) => c.value));
    const focused = current.contains(document.activeElement) ? document.activeElement : null;
    const focusKey = focused?.matches("input[data-pick]") ? focused.value : null;
    return (next) => {
      for (const c of $$("input[data-pick]", next)) c.checked = ticked.has(c.value);
      const box = focusKey ? $(`input[data-pick][value="${CSS.escape(focusKey)}"]`, next) : null;
      if (box) box.focus();
      else if (focused?.matches("input[data-pick-all]")) $("input[data-pick-all]", next)?.focus();
      // faster.js counts on a change: the bar and "select all" follow the ticks kept.
      $("input[data-pick]", next)?.dispatchEvent(new Event("change", { bubbles: true }));
    };
  }

  // --- an open ticket follows new messages and changes ------------------------------------------
  const ticket = $(".ticket-layout[data-poll]");
  if (ticket) {
    const refreshTicket = poll(ticket.dataset.poll, (doc) => {
      const next = $("[data-state]", doc);
      if (!next || next.dataset.state === ticket.dataset.state) return;
      const before = $$("#conversation > li").length;
      // The composer and the details form are left alone: the agent may be typing there.
      for (const id of ["ticket-badges", "conversation", "history"]) {
        const fresh = doc.getElementById(id);
        if (fresh) document.getElementById(id)?.replaceWith(fresh);
      }
      ticket.dataset.state = next.dataset.state;
      const added = $$("#conversation > li").length - before;
      announce(
        added > 0 ? `${added} new ${added === 1 ? "message" : "messages"} on this ticket` : "Ticket updated",
      );
    });
    onLive(
      (d) =>
        d.topic === "resync" || (d.topic === "ticket" && d.reference === $("#presence")?.dataset.reference),
      refreshTicket,
    );
  }

  // --- keyboard shortcuts ----------------------------------------------------------------------
  const rows = () => $$("tr[data-row]");
  function select(row, focus = true) {
    for (const r of rows()) r.classList.toggle("selected", r === row);
    const link = $("[data-row-link]", row);
    if (focus && link) link.focus();
    row.scrollIntoView({ block: "nearest" });
  }
  function move(delta) {
    const all = rows();
    if (!all.length) return;
    const i = all.findIndex((r) => r.classList.contains("selected") || r.contains(document.activeElement));
    const next = all[Math.min(all.length - 1, Math.max(0, i < 0 ? 0 : i + delta))];
    select(next);
  }
  const typing = (el) =>
    el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) && el.type !== "radio";
  const dialog = $("#shortcuts");
  const openShortcuts = () => dialog?.showModal?.();
  for (const b of $$("[data-shortcuts-open]")) b.addEventListener("click", openShortcuts);
  const compose = (kind) => {
    const radio = $(`#kind-${kind}`);
    if (!radio) return;
    radio.checked = true;
    $("#body")?.focus();
  };
  let pendingG = 0;
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || dialog?.open) return;
    const k = e.key;
    if (pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0;
      if (k === "q") location.href = "/app";
      else if (k === "c") location.href = "/app/contacts";
      else if (k === "s") location.href = "/app/settings";
      return;
    }
    if (k === "g") pendingG = Date.now();
    else if (k === "/") {
      const search = $("[data-shortcut-search]");
      if (search) {
        e.preventDefault();
        search.focus();
        search.select();
      }
    } else if (k === "j") move(1);
    else if (k === "k") move(-1);
    else if (k === "Enter") {
      const link = $("tr.selected [data-row-link]");
      if (link && document.activeElement !== link) link.click();
    } else if (k === "r") {
      e.preventDefault();
      compose("reply");
    } else if (k === "n") {
      e.preventDefault();
      compose("note");
    } else if (k === "?") openShortcuts();
  });

  // --- first run: the portal address follows the name until it is edited by hand ---------------
  const setupName = $("form[action='/setup'] #name");
  const setupSlug = $("form[action='/setup'] #slug");
  if (setupName && setupSlug) {
    let edited = setupSlug.value !== "";
    setupSlug.addEventListener("input", () => {
      edited = setupSlug.value !== "";
    });
    setupName.addEventListener("input", () => {
      if (edited) return;
      setupSlug.value = setupName.value
        .normalize("NFKD")
        .replace(/[\u0300-\u036f]/g, "")
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 40)
        .replace(/-+$/, "");
    });
  }

  // --- settings: copy buttons, colour picker, live preview ----------------------------------------
  for (const b of $$("[data-copy]")) {
    b.addEventListener("click", async () => {
      const field = document.getElementById(b.dataset.copy);
      const status = $("[data-copy-status]");
      const label = b.textContent;
      try {
        await navigator.clipboard.writeText(field.value);
      } catch {
        field.select();
        document.execCommand?.("copy");
      }
      b.textContent = "Copied";
      if (status) status.textContent = "Copied to the clipboard";
      setTimeout(() => {
        b.textContent = label;
      }, 2000);
    });
  }

  for (const picker of $$("input[type=color][data-color-for]")) {
    const text = document.getElementById(picker.dataset.colorFor);
    picker.addEventListener("input", () => {
      text.value = picker.value;
      text.dispatchEvent(new Event("input", { bubbles: true }));
    });
    text.addEventListener("input", () => {
      if (/^#[0-9a-fA-F]{6}$/.test(text.value)) picker.value = text.value.toLowerCase();
    });
  }

  const previewForm = $("form[data-preview-form]");
  const frame = $("iframe[data-preview]");
  if (previewForm && frame) {
    let timer = 0;
    previewForm.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const names = ["brandName", "primaryColor", "secondaryColor", "font", "customCss", "supportEmail"];
        const qs = new URLSearchParams();
        for (const name of names) {
          const v = previewForm.elements[name]?.value.trim();
          if (v) qs.set(name, v);
        }
        // Custom CSS (lines, and up to 20 KB) does not fit in an address: the hidden form posts it.
        const post = $("form[data-preview-post]");
        if (post) {
          for (const name of names) post.elements[name].value = qs.get(name) ?? "";
          post.submit();
        } else {
          frame.src = `/app/settings/preview${qs.size ? `?${qs}` : ""}`;
        }
      }, 250);
    });
  }

  // Contact import: a chosen file fills the text field; while an import runs, its bar follows
  // GET /api/workspace/imports/:id (the commit's own request is still on its way).
  const importFile = $("[data-import-file]");
  if (importFile) {
    importFile.hidden = false;
    const input = $("input[type=file]", importFile);
    const status = $("[data-import-file-status]", importFile);
    input.addEventListener("change", async () => {
      const file = input.files?.[0];
      if (!file) return;
      if (file.size > 5 * 1024 * 1024) {
        status.textContent = `${file.name} is larger than 5 MB: split it and import each part.`;
        return;
      }
      // UTF-8 as most exports are; spreadsheets also save UTF-16 (with its mark) or Windows-1252.
      const bytes = new Uint8Array(await file.arrayBuffer());
      const utf16 = bytes[0] === 0xff && bytes[1] === 0xfe;
      let text = new TextDecoder(utf16 ? "utf-16le" : "utf-8").decode(bytes);
      if (!utf16 && text.includes("\uFFFD")) text = new TextDecoder("windows-1252").decode(bytes);
      $("#csv").value = text;
      $("[data-import-name]").value = file.name;
      status.textContent = `${file.name}: ${text.split(/\r?\n/).filter((l) => l.trim()).length} lines read. Check the file to see what will be imported.`;
    });
  }
  const progress = $("[data-import-progress]");
  if (progress) {
    const bar = $("progress", progress);
    const said = $("[data-import-progress-text]", progress);
    const follow = () => {
      progress.hidden = false;
      // Indeterminate until the server says how far it is (with SQLite the answer may only come
      // at the end: the import's one transaction has the database to itself meanwhile).
      if (!Number(bar.getAttribute("value"))) bar.removeAttribute("value");
      const tick = async () => {
        try {
          const res = await fetch(`/api/workspace/imports/${progress.dataset.importProgress}`, {
            credentials: "same-origin",
            cache: "no-store",
          });
          if (res.ok) {
            const v = await res.json();
            if (v.status !== "previewed" && v.processedRows > 0) {
              bar.value = v.processedRows;
              said.textContent = `${v.processedRows.toLocaleString()} of ${bar.max.toLocaleString()} rows done. Nothing is saved until every row is in.`;
            }
            if (v.status === "done" || v.status === "failed") {
              if (!commitForm) window.location.reload();
              return;
            }
          }
        } catch {}
        setTimeout(tick, 700);
      };
      tick();
    };
    const commitForm = $("form[data-import-commit]");
    if (commitForm) commitForm.addEventListener("submit", follow);
    else if (!progress.hidden) follow();
  }

  // Settings → Portal: the preview frames follow the form's unsaved values as the admin types
  // (the page's links to another width or palette keep what is typed), and a suggested word for
  // "ticket" fills its plural and gender.
  const portalForm = $("form[data-portal-preview-form]");
  const portalPreview = $("section[data-preview-width]");
  if (portalForm && portalPreview) {
    const frames = $$("iframe[data-portal-preview]", portalPreview);
    const state = { width: portalPreview.dataset.previewWidth, scheme: portalPreview.dataset.previewScheme };
    const refresh = () => {
      const data = new FormData(portalForm);
      data.delete("_csrf");
      for (const frame of frames) {
        const qs = new URLSearchParams(data);
        qs.set("page", frame.dataset.portalPreview);
        qs.set("scheme", state.scheme);
        qs.set("draft", "1");
        frame.width = state.width === "desktop" ? "1280" : "375";
        frame.src = `/app/settings/portal/preview?${qs}`;
      }
    };
    let timer = 0;
    portalForm.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
    portalForm.addEventListener("change", (e) => {
      const one = e.target.closest("[data-word-one]");
      if (!one) return;
      const row = one.closest("[data-word-locale]");
      const preset = [...(one.list?.options ?? [])].find((o) => o.value === one.value);
      if (!row || !preset) return;
      const other = $("[data-word-other]", row);
      const gender = $("[data-word-gender]", row);
      if (other) other.value = preset.dataset.other;
      if (gender) gender.value = preset.dataset.gender;
      refresh();
    });
    for (const link of $$(".preview-toggles a", portalPreview)) {
      link.addEventListener("click", (e) => {
        e.preventDefault();
        // Each group sets its own choice: the link's other parameter may be stale by now.
        const key = link.closest("[role=group]")?.getAttribute("aria-label") === "Width" ? "width" : "scheme";
        state[key] = new URL(link.href).searchParams.get(key);
        for (const group of $$("[role=group]", portalPreview)) {
          for (const other of $$("a", group)) {
            const k = group.getAttribute("aria-label") === "Width" ? "width" : "scheme";
            const on = new URL(other.href).searchParams.get(k) === state[k];
            other.classList.toggle("primary", on);
            if (on) other.setAttribute("aria-current", "true");
            else other.removeAttribute("aria-current");
          }
        }
        refresh();
      });
    }
  }
})();
