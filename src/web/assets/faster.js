// Working faster (faster.views.ts): inline changes on a ticket that save themselves with an Undo,
// "Take it" in place, the queue's bulk bar, the views' live counts, and the shortcuts t, a, s, p
// and x. Every form works without this file; with it they answer in place through the JSON API.
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
  const csrf = () => $("input[name=_csrf]")?.value ?? "";
  const api = async (method, url, body) => {
    const res = await fetch(`/api/workspace${url}`, {
      method,
      credentials: "same-origin",
      headers: {
        "x-csrf-token": csrf(),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data?.error?.message ?? "That did not work. Try again.");
    return data;
  };

  // --- the toast: a line, and an Undo button for about 8 s (longer while it has the focus) -------
  const toast = $("#undo-toast");
  let toastTimer = 0;
  let undoAction = null;
  function say(text, undo) {
    const live = $("#live-announce");
    if (!toast) {
      if (live) live.textContent = text;
      return;
    }
    $("[data-toast-text]", toast).textContent = text;
    undoAction = undo ?? null;
    $("[data-undo]", toast).hidden = !undo;
    toast.hidden = false;
    clearTimeout(toastTimer);
    const hide = () => {
      if (toast.contains(document.activeElement)) toastTimer = setTimeout(hide, 2000);
      else toast.hidden = true;
    };
    toastTimer = setTimeout(hide, 8000);
  }
  $("[data-undo]", toast ?? document)?.addEventListener("click", async () => {
    const undo = undoAction;
    undoAction = null;
    if (!undo) return;
    try {
      await undo();
      say("Undone.");
    } catch (err) {
      say(err.message);
    }
    // The button is gone: the keyboard goes on from the page's main part, not from nowhere.
    if (!toast.contains(document.activeElement) || $("[data-undo]", toast).hidden) $("#main")?.focus();
  });

  // --- a ticket: details that save themselves -------------------------------------------------
  const details = $("form[data-autosave]");
  const reference = details?.getAttribute("action")?.split("/")[3];
  const refreshTicket = async () => {
    try {
      const res = await fetch(`/app/tickets/${reference}?part=live`, { credentials: "same-origin" });
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      for (const id of ["ticket-badges", "history"]) {
        const fresh = doc.getElementById(id);
        if (fresh) document.getElementById(id)?.replaceWith(fresh);
      }
    } catch {
      // The page's own refresh catches up.
    }
  };
  const FIELDS = { status: "status", priority: "priority", assigneeId: "assignee" };
  async function saveField(select, value, previous, quiet) {
    const field = select.name;
    await api("PATCH", `/tickets/${reference}`, { [field]: field === "assigneeId" && !value ? null : value });
    select.value = value;
    select.dataset.saved = value;
    await refreshTicket();
    if (quiet) return;
    const label = select.selectedOptions[0]?.textContent ?? value;
    say(`${FIELDS[field][0].toUpperCase()}${FIELDS[field].slice(1)} set to ${label}.`, () =>
      saveField(select, previous, value, true),
    );
  }
  if (details && reference) {
    details.classList.add("js-autosave");
    for (const select of $$("select", details)) {
      select.dataset.saved = select.value;
      select.addEventListener("change", async () => {
        const previous = select.dataset.saved ?? "";
        try {
          await saveField(select, select.value, previous, false);
        } catch (err) {
          select.value = previous;
          say(err.message);
        }
      });
    }
  }

  // --- Take it: on a ticket, and in the queue's rows ----------------------------------------------
  const me = $("[data-me]")?.dataset.me;
  async function take(ref, button) {
    const before = await api("GET", `/tickets/${ref}`);
    const after = await api("POST", `/tickets/${ref}/take`);
    const assignee = $("#p-assignee");
    if (assignee && ref === reference) {
      assignee.value = after.assignee?.id ?? "";
      assignee.dataset.saved = assignee.value;
      await refreshTicket();
    }
    const cell = button?.closest("td");
    if (cell) cell.textContent = after.assignee?.name ?? "Me";
    else button?.closest("form")?.remove();
    say(`${ref} is yours.`, async () => {
      await api("PATCH", `/tickets/${ref}`, { assigneeId: before.assignee?.id ?? null });
      if (assignee && ref === reference) {
        assignee.value = before.assignee?.id ?? "";
        assignee.dataset.saved = assignee.value;
        await refreshTicket();
      } else await reloadRows();
    });
  }
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (form.matches?.("[data-take-form]") && reference) {
      e.preventDefault();
      take(reference, $("button", form)).catch((err) => say(err.message));
    }
  });
  document.addEventListener("click", (e) => {
    const button = e.target.closest?.("[data-take]");
    if (!button) return;
    e.preventDefault();
    take(button.dataset.take, button).catch((err) => say(err.message));
  });

  // --- the queue: select, select all, and one change for all of them ------------------------------
  const bulk = $("form[data-bulk]");
  const picked = () => $$("input[data-pick]:checked").map((c) => c.value);
  function countPicked() {
    const n = picked().length;
    const all = $("input[data-pick-all]");
    const boxes = $$("input[data-pick]");
    if (all) {
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
    const count = $("[data-bulk-count]");
    if (count) {
      count.textContent = n
        ? `${n} ${n === 1 ? "ticket" : "tickets"} selected.`
        : "Select tickets to change several at once.";
    }
  }
  document.addEventListener("change", (e) => {
    if (e.target.matches?.("input[data-pick-all]")) {
      for (const c of $$("input[data-pick]")) c.checked = e.target.checked;
    }
    if (e.target.matches?.("input[data-pick], input[data-pick-all]")) countPicked();
  });
  async function reloadRows() {
    const live = $("#queue-live[data-poll]");
    if (!live) return location.reload();
    const res = await fetch(live.dataset.poll, { credentials: "same-origin", cache: "no-store" });
    const next = $("#queue-live", new DOMParser().parseFromString(await res.text(), "text/html"));
    // The live refresh (app.js) may have swapped the rows meanwhile: the ones on the page now go.
    if (next) $("#queue-live")?.replaceWith(next);
    countPicked();
  }
  if (bulk) {
    bulk.addEventListener("submit", async (e) => {
      e.preventDefault();
      const references = picked();
      if (!references.length) return say("Select at least one ticket first.");
      const [kind, value] = ($("#bulk-action", bulk).value ?? "").split(/:(.*)/s);
      const action =
        kind === "assign"
          ? { kind, assigneeId: value === "me" ? me || null : value || null }
          : kind === "merge"
            ? { kind, into: $("#bulk-into", bulk).value.trim().toUpperCase() }
            : { kind, [kind]: value };
      try {
        const r = await api("POST", "/tickets/bulk", { references, action });
        const failures = r.results.filter((x) => !x.ok).map((x) => `${x.reference}: ${x.message}`);
        say(
          `${r.succeeded} of ${r.results.length} changed.${failures.length ? ` Not changed: ${failures.join("; ")}` : ""}`,
        );
        await reloadRows();
        refreshCounts();
      } catch (err) {
        say(err.message);
      }
    });
  }

  // --- the views' counts, on load and when something changes live -------------------------------
  const counts = $("[data-view-counts]");
  async function refreshCounts() {
    if (!counts) return;
    try {
      const { views } = await api("GET", "/views");
      for (const v of views) {
        const el = $(`[data-view="${v.key}"] [data-count]`, counts);
        if (el) el.textContent = String(v.count);
      }
    } catch {
      // The next change tries again.
    }
  }
  let liveTimer = 0;
  document.addEventListener("portico:live", () => {
    clearTimeout(liveTimer);
    liveTimer = setTimeout(refreshCounts, 500);
  });
  refreshCounts();

  // --- shortcuts: t take, a / s / p assignee, status, priority, x select (app.js has the rest) ----
  const typing = (el) =>
    el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) && el.type !== "radio";
  const currentRow = () =>
    $("tr.selected[data-row]") ?? document.activeElement?.closest?.("tr[data-row]") ?? null;
  const pick = (select) => {
    if (!select) return;
    select.focus();
    try {
      select.showPicker?.();
    } catch {
      // Focus alone: arrows and Enter choose.
    }
  };
  let lastKey = "";
  document.addEventListener("keydown", (e) => {
    const after = lastKey;
    lastKey = e.key;
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || $("dialog[open]")) return;
    if (after === "g") return; // "g then s" is app.js's.
    const k = e.key;
    if (k === "t") {
      const row = currentRow();
      const button = row ? $("[data-take]", row) : $("[data-take-form] button");
      if (button) {
        e.preventDefault();
        button.click();
      }
    } else if (k === "a" || k === "s" || k === "p") {
      const select =
        $({ a: "#p-assignee", s: "#p-status", p: "#p-priority" }[k]) ??
        (k === "a" ? $("#bulk-action") : null);
      if (select) {
        e.preventDefault();
        pick(select);
      }
    } else if (k === "x") {
      const box = currentRow()?.querySelector("input[data-pick]");
      if (box) {
        box.checked = !box.checked;
        countPicked();
      }
    }
  });
})();
