// File fields: choose or drop files, each is checked here (type, size, count, empty), uploaded
// with its own progress bar, and attached to the form as a hidden `attachments` key. A refused
// file says why before anything is sent; the server checks everything again.
(() => {
  const fmt = (n) =>
    n < 1024
      ? `${n} B`
      : n < 1048576
        ? `${Math.round(n / 102.4) / 10} KB`
        : `${Math.round(n / 104857.6) / 10} MB`;

  for (const field of document.querySelectorAll("[data-files]")) {
    const form = field.closest("form");
    if (!form) continue;
    field.hidden = false;
    const input = field.querySelector('input[type="file"]');
    const zone = field.querySelector("[data-dropzone]");
    const list = field.querySelector("[data-file-list]");
    const status = field.querySelector("[data-files-status]");
    const maxFiles = Number(field.dataset.maxFiles);
    const maxBytes = Number(field.dataset.maxBytes);
    const allowed = field.dataset.accept.split(",");
    let pending = 0;
    // A customer's page gives the words in its language (web/attachments.ts); English otherwise.
    let said = {};
    try {
      said = JSON.parse(field.dataset.messages || "{}");
    } catch {}
    const words = {
      uploadingName: "Uploading {name}",
      remove: "Remove",
      removeName: "Remove {name}",
      removed: "{name} removed",
      notAccepted: "“{name}” is not accepted: attach images, PDF, text, CSV, Word or Excel",
      empty: "“{name}” is empty",
      tooLarge: "“{name}” is larger than {max}",
      tooMany: "“{name}” was not added: at most {count} files",
      uploading: "Uploading…",
      ready: "Ready",
      readyName: "{name} is ready to send",
      failed: "“{name}” could not be uploaded; try again",
      offline: "“{name}” could not be uploaded; check your connection and try again",
      wait: "Wait until every file has finished uploading, then send again.",
      ...said,
    };
    const fill = (text, vars) => text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));

    const kept = () => list.querySelectorAll("li.ok, li.uploading").length;
    const say = (text) => {
      status.textContent = text;
    };

    // Every refusal names its file, in the row and in the announcement alike.
    function refuse(item, why) {
      const name = `“${item.dataset.name}”`;
      const text = why.includes(item.dataset.name) ? why : `${name}: ${why}`;
      item.className = "refused";
      item.querySelector(".file-state").textContent = text;
      say(text);
    }

    function row(file) {
      const li = document.createElement("li");
      li.dataset.name = file.name;
      const name = document.createElement("span");
      name.className = "file-name";
      name.textContent = file.name;
      const size = document.createElement("span");
      size.className = "file-size";
      size.textContent = fmt(file.size);
      const state = document.createElement("span");
      state.className = "file-state";
      const bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", fill(words.uploadingName, { name: file.name }));
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "linkish file-remove";
      remove.textContent = words.remove;
      remove.setAttribute("aria-label", fill(words.removeName, { name: file.name }));
      li.append(name, size, bar, state, remove);
      remove.addEventListener("click", () => {
        if (li.xhr) li.xhr.abort();
        if (li.hiddenInput) li.hiddenInput.remove();
        li.remove();
        say(fill(words.removed, { name: file.name }));
        input.focus();
      });
      list.append(li);
      return li;
    }

    function check(file) {
      const name = file.name;
      const ext = file.name.includes(".") ? `.${file.name.split(".").pop().toLowerCase()}` : "";
      if (!allowed.includes(ext)) return fill(words.notAccepted, { name });
      if (file.size === 0) return fill(words.empty, { name });
      if (file.size > maxBytes) return fill(words.tooLarge, { name, max: fmt(maxBytes) });
      if (kept() >= maxFiles) return fill(words.tooMany, { name, count: maxFiles });
      return null;
    }

    function upload(file) {
      const li = row(file);
      const why = check(file);
      if (why) return refuse(li, why);
      li.className = "uploading";
      li.querySelector(".file-state").textContent = words.uploading;
      pending++;
      const xhr = new XMLHttpRequest();
      li.xhr = xhr;
      const sep = field.dataset.upload.includes("?") ? "&" : "?";
      xhr.open("POST", `${field.dataset.upload}${sep}name=${encodeURIComponent(file.name)}`);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      if (field.dataset.csrf) xhr.setRequestHeader("X-CSRF-Token", field.dataset.csrf);
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) li.querySelector("progress").value = Math.round((e.loaded / e.total) * 100);
      });
      const done = () => {
        pending--;
        li.xhr = null;
      };
      xhr.addEventListener("load", () => {
        done();
        let body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {}
        if (xhr.status === 201 && body) {
          li.className = "ok";
          li.querySelector("progress").value = 100;
          li.querySelector(".file-state").textContent = words.ready;
          const hidden = document.createElement("input");
          hidden.type = "hidden";
          hidden.name = "attachments";
          hidden.value = body.key;
          form.append(hidden);
          li.hiddenInput = hidden;
          say(fill(words.readyName, { name: file.name }));
        } else {
          refuse(li, body?.error?.message ?? fill(words.failed, { name: file.name }));
        }
      });
      xhr.addEventListener("error", () => {
        done();
        refuse(li, fill(words.offline, { name: file.name }));
      });
      xhr.addEventListener("abort", done);
      xhr.send(file);
    }

    const add = (files) => {
      for (const f of files) upload(f);
      input.value = "";
    };
    input.addEventListener("change", () => add(input.files));
    for (const type of ["dragenter", "dragover"]) {
      zone.addEventListener(type, (e) => {
        e.preventDefault();
        zone.classList.add("over");
      });
    }
    for (const type of ["dragleave", "drop"]) {
      zone.addEventListener(type, () => zone.classList.remove("over"));
    }
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      if (e.dataTransfer?.files) add(e.dataTransfer.files);
    });

    form.addEventListener(
      "submit",
      (e) => {
        if (pending > 0) {
          e.preventDefault();
          e.stopImmediatePropagation();
          say(words.wait);
          status.classList.remove("visually-hidden");
          status.classList.add("field-error");
        }
      },
      true,
    );
  }
})();
