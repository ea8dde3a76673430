import type { FastifyRequest } from "fastify";
import { csrfTokenFor } from "../../auth/session.service.ts";
import { type Html, html } from "../../web/html.ts";

// Beside the ticket's reply box: a searchable macro picker and a help-article link search
// (compose.js). Both are comboboxes driven by the keyboard (arrows, Enter, Escape). A macro's
// text comes back from the server already filled for this ticket, as plain text put into the
// textarea at the cursor; its id travels with the form, so its status and priority are applied
// once the reply is sent. Without JavaScript the tools stay hidden and the form works as before.

export function replyTools(req: FastifyRequest, reference: string): Html {
  return html`<div class="reply-tools" data-reply-tools hidden data-reference="${reference}" data-csrf="${csrfTokenFor(req.sessionToken as string)}" data-target="body">
  <div class="field combo">
    <label for="macro-search">Insert a macro</label>
    <input id="macro-search" type="search" autocomplete="off" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="macro-options" aria-describedby="macro-hint" data-combo="macros" placeholder="Search macros">
    <ul id="macro-options" role="listbox" aria-label="Macros" class="combo-list" hidden></ul>
    <p class="hint" id="macro-hint"><a href="/app/macros">Manage macros</a></p>
  </div>
  <div class="field combo">
    <label for="kb-link-search">Link a help article</label>
    <input id="kb-link-search" type="search" autocomplete="off" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="kb-link-options" data-combo="kb" placeholder="Search published articles">
    <ul id="kb-link-options" role="listbox" aria-label="Help articles" class="combo-list" hidden></ul>
  </div>
  <input type="hidden" name="macroId" value="" data-macro-id>
  <p class="hint reply-tools-status" role="status" data-tools-status></p>
</div>`;
}
