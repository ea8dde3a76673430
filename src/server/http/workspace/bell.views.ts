import { type Html, html } from "../../web/html.ts";

// The bell in the app's header: a link to /app/notifications with the unread count as a badge.
// Its accessible name says the count ("Notifications, 3 unread"); app.js keeps both current.

const BELL_ICON = html`<svg aria-hidden="true" focusable="false" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/></svg>`;

/** The bell's accessible name for a count. */
export const bellLabel = (unread: number) =>
  unread > 0 ? `Notifications, ${unread} unread` : "Notifications, none unread";

/** The badge's text: a count, capped so it stays a badge. */
const badgeText = (unread: number) => (unread > 99 ? "99+" : String(unread));

export function bellLink(unread: number, current: boolean): Html {
  return html`<a class="bell" href="/app/notifications" data-bell aria-label="${bellLabel(unread)}"${current ? html` aria-current="page"` : ""}>${BELL_ICON}<span class="bell-count" data-bell-count${unread > 0 ? "" : html` hidden`}>${badgeText(unread)}</span></a>`;
}
