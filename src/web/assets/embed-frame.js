// The submit form inside an iframe on a customer's own site (the iframe embed; the layout adds this
// file only there): tells the page around it how tall the form is, on load and whenever that
// changes (errors shown, suggestions, the confirmation), so that page's /portal/embed.js sizes the
// frame to fit and no scrollbar shows inside it. Only the height leaves this page, so it is sent
// to whichever site frames the form; the page may ask again with {type: "portico:measure"} (its
// script may start after this one has spoken).
(() => {
  if (window.parent === window) return;
  let last = -1;
  const send = (always) => {
    // The document's own height, not the frame's: scrollHeight never drops below the viewport.
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last && !always) return;
    last = height;
    window.parent.postMessage({ type: "portico:height", height }, "*");
  };
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(() => send(false)).observe(document.documentElement);
  }
  window.addEventListener("load", () => send(true));
  window.addEventListener("message", (e) => {
    if (e.source === window.parent && e.data && e.data.type === "portico:measure") send(true);
  });
  send(true);
})();
