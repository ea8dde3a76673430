// The floating widget's loader, served at /portal/{slug}/widget.js with the workspace's settings
// put in place of PORTICO_WIDGET_CONFIG (http/public/widget.routes.ts). It adds one launcher
// button to the host page, in a shadow root styled by a constructable stylesheet (no style
// attribute, no <style> element: a host CSP without 'unsafe-inline' keeps working), and one global,
// PorticoWidget. Nothing else loads until the launcher is opened: then the panel, an iframe of
// /portal/{slug}/widget, in the host's light or dark preference.
(() => {
  if (window.PorticoWidget) return;
  const C = PORTICO_WIDGET_CONFIG;
  const script = document.currentScript;
  const data = script?.dataset ?? {};
  const label = [...(data.label?.trim() || C.label)].slice(0, 30).join("");
  const position = data.position === "left" || data.position === "right" ? data.position : C.position;
  // The workspace lists the sites allowed to frame the panel (Settings → Share): elsewhere the
  // frame would be refused, so no launcher shows.
  const allowed = (site) =>
    site === location.origin ||
    (site.startsWith("https://*.") &&
      location.protocol === "https:" &&
      location.host.endsWith(site.slice(9)) &&
      location.host.length > site.length - 9);
  if (C.sites && !C.sites.some(allowed)) {
    console.warn(`Portico widget: ${location.origin} is not among the sites allowed in Settings → Share.`);
    return;
  }
  const panelUrl = new URL("widget", script?.src || C.src);
  const origin = panelUrl.origin;
  const css = `:host{all:initial!important;display:block!important;position:static!important}
*{box-sizing:border-box}
button{all:initial;box-sizing:border-box;position:fixed;bottom:20px;${position}:20px;z-index:2147483000;display:inline-flex;align-items:center;gap:8px;min-height:48px;max-width:calc(100vw - 40px);padding:12px 20px;border-radius:999px;background:${C.color};color:${C.text};font:600 16px/1.2 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;cursor:pointer;box-shadow:0 4px 14px rgb(0 0 0/.25);white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
button:hover{filter:brightness(1.08)}
button:focus-visible{outline:3px solid ${C.color};outline-offset:3px;box-shadow:0 0 0 2px #fff}
svg{width:20px;height:20px;flex:none;fill:none;stroke:currentColor;stroke-width:2}
div{position:fixed;bottom:84px;${position}:20px;z-index:2147483001;width:400px;height:min(680px,calc(100vh - 104px));border-radius:14px;overflow:hidden;box-shadow:0 12px 40px rgb(0 0 0/.3);background:Canvas}
div[hidden]{display:none}
iframe{border:0;display:block;width:100%;height:100%;color-scheme:normal}
@media (max-width:480px),(max-height:560px){div{inset:0;width:100%;height:100%;border-radius:0}}
@media (prefers-reduced-motion:no-preference){div:not([hidden]){animation:in .15s ease-out}@keyframes in{from{opacity:0;transform:translateY(8px)}}}`;

  const host = document.createElement("portico-widget");
  const root = host.attachShadow({ mode: "open" });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  root.adoptedStyleSheets = [sheet];
  const button = document.createElement("button");
  button.type = "button";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "portico-panel");
  // Built node by node: no markup is parsed, so a host that requires Trusted Types is fine too.
  const SVG = "http://www.w3.org/2000/svg";
  const icon = document.createElementNS(SVG, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z");
  icon.append(path);
  const text = document.createElement("span");
  text.textContent = label;
  button.append(icon, text);
  const box = document.createElement("div");
  box.id = "portico-panel";
  box.hidden = true;
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-label", `${label}: ${C.name}`);
  root.append(button, box);
  let frame;

  const open = () => {
    if (!frame) {
      frame = document.createElement("iframe");
      const dark = matchMedia("(prefers-color-scheme: dark)").matches;
      panelUrl.searchParams.set("theme", dark ? "dark" : "light");
      frame.src = panelUrl.href;
      frame.title = `${label}: ${C.name}`;
      box.append(frame);
    } else frame.contentWindow?.postMessage({ portico: "focus" }, origin);
    box.hidden = false;
    button.setAttribute("aria-expanded", "true");
    frame.focus();
  };
  const close = () => {
    if (box.hidden) return;
    box.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.focus();
  };
  button.addEventListener("click", () => (box.hidden ? open() : close()));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !box.hidden) close();
  });
  window.addEventListener("message", (e) => {
    if (e.origin !== origin || !frame || e.source !== frame.contentWindow) return;
    if (e.data?.portico === "close") close();
  });
  const add = () => document.body.append(host);
  if (document.body) add();
  else document.addEventListener("DOMContentLoaded", add);
  window.PorticoWidget = { open, close, toggle: () => (box.hidden ? open() : close()) };
})();
