// Portico's iframe embed, on the customer's own site (served at /portal/embed.js, the script line
// of the snippet in Settings → Share the portal). The form inside an <iframe data-portico-embed>
// reports its height; this sets that frame's height to match, so the frame grows and shrinks with
// the form instead of scrolling inside. Only messages from this script's own origin, sent by such a
// frame's window, with a height within bounds, are heeded. The height is set through the CSSOM
// (element.style), which a Content-Security-Policy without 'unsafe-inline' styles allows. No global.
(() => {
  const script = document.currentScript;
  let origin;
  try {
    origin = new URL(script.src).origin;
  } catch {
    return;
  }
  const MIN = 80;
  const MAX = 20000;
  const frames = () => document.querySelectorAll("iframe[data-portico-embed]");
  window.addEventListener("message", (e) => {
    if (e.origin !== origin) return;
    const d = e.data;
    if (!d || typeof d !== "object" || d.type !== "portico:height") return;
    const height = d.height;
    if (typeof height !== "number" || !Number.isFinite(height)) return;
    for (const frame of frames()) {
      if (frame.contentWindow !== e.source) continue;
      // The content's height; a site's own `box-sizing: border-box` counts the frame's border and
      // padding in, so they are added back.
      let extra = 0;
      const st = getComputedStyle(frame);
      if (st.boxSizing === "border-box") {
        for (const side of ["borderTopWidth", "borderBottomWidth", "paddingTop", "paddingBottom"]) {
          extra += Number.parseFloat(st[side]) || 0;
        }
      }
      frame.style.height = `${Math.ceil(Math.min(MAX, Math.max(MIN, height)) + extra)}px`;
    }
  });
  // A frame that loaded before this script ran has already spoken: ask it again.
  for (const frame of frames()) frame.contentWindow?.postMessage({ type: "portico:measure" }, origin);
})();
