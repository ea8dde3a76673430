// Writing faster: the ticket page's macro picker and help-article links, and the knowledge-base
// editor's live preview and image uploads. Text from the server goes into a textarea's value
// (never into HTML); the preview's HTML is the server's sanitised rendering, the same as the
// portal's article page. Without JavaScript the pages work as before.
(() => {
  /** Puts text at the textarea's cursor (replacing a selection), keeps focus there. */
  function insertAtCursor(area, text) {
    const start = area.selectionStart ?? area.value.length;
    const end = area.selectionEnd ?? start;
    area.focus();
    area.setRangeText(text, start, end, "end");
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  async function getJson(url, csrf) {
    const res = await fetch(url, { headers: { accept: "application/json", "x-csrf-token": csrf } });
    if (!res.ok) throw new Error(String(res.status));
    return res.json();
  }

  async function postJson(url, csrf, body) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(String(res.status));
    return res.json();
  }

  /**
   * A combobox: typing searches (debounced), arrows move through the options, Enter picks,
   * Escape closes. `search(q)` gives [{ id, label, hint }]; `pick(item)` uses one.
   */
  function combobox(input, search, pick) {
    const list = document.getElementById(input.getAttribute("aria-controls"));
    let items = [];
    let active = -1;
    let timer = 0;
    let seq = 0;
    const close = () => {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const mark = () => {
      for (const [i, li] of [...list.children].entries()) {
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        if (i === active) {
          input.setAttribute("aria-activedescendant", li.id);
          li.scrollIntoView({ block: "nearest" });
        }
      }
    };
    const render = () => {
      list.replaceChildren(
        ...items.map((item, i) => {
          const li = document.createElement("li");
          li.id = `${list.id}-${i}`;
          li.setAttribute("role", "option");
          li.className = "combo-option";
          const name = document.createElement("span");
          name.textContent = item.label;
          li.append(name);
          if (item.hint) {
            const hint = document.createElement("span");
            hint.className = "meta";
            hint.textContent = item.hint;
            li.append(hint);
          }
          li.addEventListener("mousedown", (e) => e.preventDefault());
          li.addEventListener("click", () => choose(i));
          return li;
        }),
      );
      if (items.length === 0) {
        const li = document.createElement("li");
        li.className = "combo-empty meta";
        li.textContent = "Nothing found";
        list.append(li);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = items.length ? 0 : -1;
      mark();
    };
    const run = async () => {
      const mine = ++seq;
      try {
        const found = await search(input.value.trim());
        if (mine !== seq) return;
        items = found;
        render();
      } catch {
        if (mine === seq) close();
      }
    };
    const choose = (i) => {
      const item = items[i];
      if (!item) return;
      close();
      input.value = "";
      pick(item);
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(run, 200);
    });
    input.addEventListener("focus", () => {
      if (list.hidden) run();
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (list.hidden) return void run();
        if (!items.length) return;
        active = (active + (e.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
        mark();
      } else if (e.key === "Enter") {
        if (!list.hidden && active >= 0) {
          e.preventDefault();
          choose(active);
        }
      } else if (e.key === "Escape") {
        if (!list.hidden) {
          e.preventDefault();
          e.stopPropagation();
          close();
        }
      }
    });
  }

  const STATUS = {
    open: "Open",
    in_progress: "In progress",
    waiting: "Waiting",
    resolved: "Resolved",
    closed: "Closed",
  };
  const PRIORITY = { low: "Low", medium: "Medium", high: "High", urgent: "Urgent" };

  for (const tools of document.querySelectorAll("[data-reply-tools]")) {
    const csrf = tools.dataset.csrf;
    const area = document.getElementById(tools.dataset.target);
    const status = tools.querySelector("[data-tools-status]");
    const macroField = tools.querySelector("[data-macro-id]");
    if (!area || !window.fetch) continue;
    tools.hidden = false;

    combobox(
      tools.querySelector('[data-combo="macros"]'),
      async (q) => {
        const { items } = await getJson(`/api/workspace/macros?q=${encodeURIComponent(q)}`, csrf);
        return items.map((m) => ({
          id: m.id,
          label: m.name,
          hint: m.shared ? "Shared" : "Personal",
        }));
      },
      async (item) => {
        try {
          const r = await postJson(`/api/workspace/macros/${encodeURIComponent(item.id)}/render`, csrf, {
            reference: tools.dataset.reference,
          });
          insertAtCursor(area, r.text);
          macroField.value = item.id;
          const sets = [
            r.setStatus ? `status to ${STATUS[r.setStatus]}` : "",
            r.setPriority ? `priority to ${PRIORITY[r.setPriority]}` : "",
          ].filter(Boolean);
          status.textContent = `Inserted “${item.label}”.${sets.length ? ` Sending sets the ${sets.join(" and ")}.` : ""}`;
        } catch {
          status.textContent = `“${item.label}” could not be inserted. Try again.`;
        }
      },
    );

    combobox(
      tools.querySelector('[data-combo="kb"]'),
      async (q) => {
        if (!q) return [];
        const { items } = await getJson(`/api/workspace/kb/links?q=${encodeURIComponent(q)}`, csrf);
        return items.map((a) => ({ id: a.id, label: a.title, hint: a.url, markdown: a.markdown }));
      },
      (item) => {
        insertAtCursor(area, item.markdown);
        status.textContent = `Linked “${item.label}”.`;
      },
    );
  }

  // --- the knowledge-base editor ------------------------------------------------------------

  const kbBody = document.querySelector("[data-kb-body]");
  if (kbBody && window.fetch) {
    const csrf = kbBody.dataset.csrf;
    const target = document.querySelector("[data-preview-target]");
    const uploadStatus = document.querySelector("[data-upload-status]");
    let timer = 0;
    let seq = 0;
    const refresh = async () => {
      const mine = ++seq;
      try {
        const { html } = await postJson(kbBody.dataset.previewUrl, csrf, { body: kbBody.value });
        // The server's rendering: Markdown with raw HTML escaped and links checked, as published.
        if (mine === seq) target.innerHTML = html;
      } catch {
        /* the last preview stays; the Preview button still works */
      }
    };
    kbBody.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });

    const upload = (file) => {
      const marker = `![Uploading ${file.name.replace(/[[\]]/g, "")}…]()`;
      insertAtCursor(kbBody, marker);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", `${kbBody.dataset.imageUrl}?name=${encodeURIComponent(file.name || "image.png")}`);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.responseType = "json";
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable)
          uploadStatus.textContent = `Uploading ${file.name}: ${Math.round((e.loaded / e.total) * 100)}%`;
      });
      const replaceMarker = (text) => {
        const at = kbBody.value.indexOf(marker);
        if (at >= 0) kbBody.setRangeText(text, at, at + marker.length, "preserve");
        kbBody.dispatchEvent(new Event("input", { bubbles: true }));
      };
      xhr.addEventListener("load", () => {
        const r = xhr.response;
        if (xhr.status === 201 && r) {
          replaceMarker(r.markdown);
          uploadStatus.textContent = `${file.name} uploaded.`;
        } else {
          replaceMarker("");
          const why = r?.fields?.file ?? r?.message ?? "it could not be uploaded";
          uploadStatus.textContent = `${file.name}: ${why}`;
        }
      });
      xhr.addEventListener("error", () => {
        replaceMarker("");
        uploadStatus.textContent = `${file.name} could not be uploaded. Try again.`;
      });
      uploadStatus.textContent = `Uploading ${file.name}…`;
      xhr.send(file);
    };
    const images = (list) => [...(list || [])].filter((f) => f.type.startsWith("image/"));
    kbBody.addEventListener("paste", (e) => {
      const files = images(e.clipboardData?.files);
      if (!files.length) return;
      e.preventDefault();
      for (const f of files) upload(f);
    });
    kbBody.addEventListener("dragover", (e) => {
      if (e.dataTransfer?.types.includes("Files")) e.preventDefault();
    });
    kbBody.addEventListener("drop", (e) => {
      const files = images(e.dataTransfer?.files);
      if (!files.length) return;
      e.preventDefault();
      for (const f of files) upload(f);
    });
  }
})();
