// widget.js puts the shop's chat on any site:
//
//   <script src="https://shop.example/widget.js" async
//           data-start="homepage" data-position="right" data-open="false"></script>
//
// It draws a chat bubble and, when opened, a panel holding an iframe of the
// shop's own chat page (/?embed=1): the conversation, its cookie and its
// requests stay on the shop's origin, and the host page cannot read them.
// data-start is the deep-link source recorded for new shoppers,
// data-position "left" or "right", data-open "true" opens it at once.
// No third-party requests; plain JS, no build step.
"use strict";

(() => {
  const script = document.currentScript;
  if (!script || window.__omnicartWidget) return;
  window.__omnicartWidget = true;
  const origin = new URL(script.src, location.href).origin;
  const opts = script.dataset;
  const left = opts.position === "left";

  const src = new URL("/", origin);
  src.searchParams.set("embed", "1");
  if (opts.start) src.searchParams.set("start", opts.start);

  const host = document.createElement("div");
  host.id = "omnicart-widget";
  const root = host.attachShadow({ mode: "open" });
  const side = left ? "left" : "right";
  const style = document.createElement("style");
  style.textContent = `
    :host { all: initial; }
    .bubble {
      position: fixed; bottom: 20px; ${side}: 20px; z-index: 2147483646;
      width: 60px; height: 60px; border: 0; border-radius: 50%;
      background: #2456c9; color: #fff; cursor: pointer;
      box-shadow: 0 4px 16px rgba(0, 0, 0, .25);
      display: flex; align-items: center; justify-content: center;
    }
    .bubble:focus-visible { outline: 3px solid #f5a623; outline-offset: 3px; }
    .bubble svg { width: 28px; height: 28px; fill: currentColor; }
    .panel {
      position: fixed; bottom: 92px; ${side}: 20px; z-index: 2147483647;
      width: 380px; height: min(640px, calc(100vh - 112px));
      border: 0; border-radius: 16px; overflow: hidden; background: #fff;
      box-shadow: 0 8px 32px rgba(0, 0, 0, .3);
    }
    .panel[hidden] { display: none; }
    .panel iframe { width: 100%; height: 100%; border: 0; display: block; }
    @media (max-width: 480px) {
      .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; }
      .open .bubble { display: none; }
    }`;
  const wrap = document.createElement("div");
  const bubble = document.createElement("button");
  bubble.type = "button";
  bubble.className = "bubble";
  bubble.setAttribute("aria-expanded", "false");
  bubble.setAttribute("aria-controls", "omnicart-panel");
  bubble.setAttribute("aria-label", "Chat");
  bubble.innerHTML =
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
  const panel = document.createElement("div");
  panel.className = "panel";
  panel.id = "omnicart-panel";
  panel.hidden = true;
  const frame = document.createElement("iframe");
  frame.src = src.href;
  frame.title = "Chat";
  frame.setAttribute("allow", "geolocation");
  panel.append(frame);
  wrap.append(panel, bubble);
  root.append(style, wrap);

  let labels = { open: "Chat", close: "Close" };
  let ready = false; // the chat page listens

  function setOpen(open) {
    panel.hidden = !open;
    wrap.classList.toggle("open", open);
    bubble.setAttribute("aria-expanded", String(open));
    bubble.setAttribute("aria-label", open ? labels.close : labels.open);
    if (open) {
      frame.focus();
      if (ready) frame.contentWindow.postMessage({ omnicart: "open" }, origin);
    } else {
      bubble.focus();
    }
  }

  bubble.addEventListener("click", () => setOpen(panel.hidden));
  window.addEventListener("message", (e) => {
    if (e.origin !== origin || e.source !== frame.contentWindow || !e.data) return;
    if (e.data.omnicart === "close") setOpen(false);
    if (e.data.omnicart === "texts") {
      labels = { open: String(e.data.open || labels.open), close: String(e.data.close || labels.close) };
      bubble.setAttribute("aria-label", panel.hidden ? labels.open : labels.close);
      frame.title = labels.open;
      if (!ready) {
        ready = true;
        if (!panel.hidden) frame.contentWindow.postMessage({ omnicart: "open" }, origin);
      }
    }
  });

  function mount() {
    document.body.append(host);
    if (opts.open === "true") frame.addEventListener("load", () => setOpen(true), { once: true });
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
