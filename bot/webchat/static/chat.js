// chat.js runs the shop's web chat page, full-window at / and inside the
// widget's iframe at /?embed=1. Plain JS, no build step, no third-party
// requests. Message text is only ever inserted with textContent, so hostile
// text stays text. Every label comes from the server's locale texts: the
// page is rendered in the chat's language, and when an answer says the
// language changed (/lang) the labels are fetched from /api/texts.
"use strict";

(() => {
  const body = document.body;
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("input");
  const status = document.getElementById("status");
  const embed = body.classList.contains("embed");

  let lang = body.dataset.lang;
  let texts = {};
  for (const el of document.querySelectorAll("[data-text]")) texts[el.dataset.text] = el.textContent;
  texts["web.placeholder"] = input.placeholder;

  const nodes = new Map(); // message id → element on screen
  let last = 0; // highest seq rendered
  let lastBot = null; // the newest message from the shop
  let queue = Promise.resolve(); // POSTs run one at a time, in order
  let started = false;
  let loaded; // resolves once the history is on screen

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const t = (key) => texts[key] || "";

  function el(tag, className) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    return e;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  // setDown shows or hides the "cannot reach the shop" state.
  function setDown(on) {
    status.hidden = !on;
    body.classList.toggle("down", on);
  }

  // applyTexts puts the labels of lang on the page.
  function applyTexts(newTexts, newLang) {
    texts = newTexts;
    lang = newLang;
    document.documentElement.lang = lang;
    for (const e of document.querySelectorAll("[data-text]")) e.textContent = t(e.dataset.text);
    for (const e of document.querySelectorAll("[data-label]")) {
      e.setAttribute("aria-label", t(e.dataset.label));
      if (e.title) e.title = t(e.dataset.label);
    }
    document.title = t("web.title");
    updateInput();
    for (const b of document.querySelectorAll("button.location")) b.textContent = t("web.location");
    for (const m of log.querySelectorAll(".msg")) {
      const who = m.querySelector(".sr-only");
      if (who) who.textContent = (m.classList.contains("user") ? t("web.you") : t("web.shop")) + ": ";
      const note = m.querySelector(".note");
      if (note) note.textContent = t("web.failed");
    }
    if (embed) parent.postMessage({ omnicart: "texts", open: t("web.open"), close: t("web.close") }, "*");
  }

  async function followLang(newLang) {
    if (!newLang || newLang === lang) return;
    try {
      const r = await api("/api/texts?lang=" + encodeURIComponent(newLang));
      applyTexts(r.texts, r.lang);
    } catch (e) {
      // keep the current labels; the next answer tries again
    }
  }

  // updateInput asks for a phone number when the newest screen does.
  function updateInput() {
    const phone = lastBot && lastBot.dataset.askContact === "1";
    input.placeholder = phone ? t("web.phone_placeholder") : t("web.placeholder");
    input.inputMode = phone ? "tel" : "text";
    input.autocomplete = phone ? "tel" : "off";
  }

  function button(label, onClick, className) {
    const b = el("button", className);
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  // fill draws message m into its element msg.
  function fill(msg, m) {
    msg.replaceChildren();
    const shopper = m.from === "shopper";
    msg.className = "msg " + (shopper ? "user" : "bot");
    const who = el("span", "sr-only");
    who.textContent = (shopper ? t("web.you") : t("web.shop")) + ": ";
    const bubble = el("div", "bubble");
    bubble.append(who);
    if (m.photo) {
      const img = el("img");
      img.alt = "";
      img.loading = "lazy";
      img.addEventListener("load", scrollDown);
      img.src = m.photo;
      bubble.append(img);
    }
    if (m.text) {
      const p = el("p");
      p.textContent = m.text;
      bubble.append(p);
    }
    msg.append(bubble);
    msg.dataset.askContact = m.ask_contact ? "1" : "";
    for (const choices of m.choices || []) {
      const row = el("div", "row");
      for (const c of choices) {
        const b = button(c.label, () => send({ button: c.data, message: m.id }));
        b.dataset.data = c.data;
        row.append(b);
      }
      msg.append(row);
    }
    if (m.ask_location && navigator.geolocation) {
      const row = el("div", "row");
      row.append(button(t("web.location"), shareLocation, "location"));
      msg.append(row);
    }
  }

  function show(m) {
    let msg = nodes.get(m.id);
    if (msg) {
      // Updated in place (the quantity picker, paging): keep the keyboard
      // focus on the same button, else on the message's first one.
      const had = msg.contains(document.activeElement);
      const focused = had ? document.activeElement.dataset.data : null;
      fill(msg, m);
      if (had) {
        const buttons = [...msg.querySelectorAll("button")];
        const again = buttons.find((b) => b.dataset.data === focused) || buttons[0];
        if (again) again.focus();
      }
    } else {
      msg = el("div");
      msg.dataset.id = m.id;
      fill(msg, m);
      log.append(msg);
      nodes.set(m.id, msg);
    }
    if (m.from !== "shopper" && (!lastBot || m.id >= Number(lastBot.dataset.id))) lastBot = msg;
  }

  function shareLocation() {
    navigator.geolocation.getCurrentPosition(
      (pos) => send({ location: { lat: pos.coords.latitude, lon: pos.coords.longitude } }),
      () => {}, // denied or unavailable: the shopper can type an address
      { timeout: 15000 },
    );
  }

  // render shows the messages of an API answer to a request made when
  // asked was the highest seq on screen. An answer that overtook another
  // (a long poll woken by the shopper's own message) may say less than is
  // on screen now: only one below what was asked for means the server
  // forgot the chat.
  function render(batch, asked) {
    let forgotten = false;
    if (batch.last < asked) {
      // The server forgot this chat (restart): its numbering starts over.
      log.replaceChildren();
      nodes.clear();
      lastBot = null;
      last = 0;
      forgotten = true;
    }
    for (const m of batch.messages) {
      last = Math.max(last, m.seq);
      show(m);
    }
    updateInput();
    scrollDown();
    followLang(batch.lang);
    if (forgotten && started && nodes.size === 0) {
      // Forgotten (a restart): open the conversation again.
      started = false;
      start();
    }
  }

  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {}

  async function api(url, payload) {
    const opts = { credentials: "same-origin" };
    if (payload !== undefined) {
      opts.method = "POST";
      opts.headers = { "Content-Type": "application/json" };
      opts.body = JSON.stringify(payload);
    }
    for (let tries = 0; ; tries++) {
      const resp = await fetch(url, opts);
      if (resp.status === 429 && tries < 5) {
        // Too fast (quick taps): wait as asked and send it again.
        const after = Number(resp.headers.get("Retry-After")) || 1;
        await sleep(Math.min(after, 10) * 1000);
        continue;
      }
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      return resp.json();
    }
  }

  // send posts one message after the previous ones. A text that could not
  // be sent stays on screen, marked.
  function send(payload) {
    if (zone) payload = Object.assign({ zone: zone }, payload); // quiet hours in the shopper's own time
    queue = queue.then(async () => {
      try {
        const asked = last;
        render(await api("/api/send?shopper=1", payload), asked);
        setDown(false);
      } catch (e) {
        setDown(true);
        if (payload.text && !payload.quiet) {
          const msg = el("div");
          fill(msg, { from: "shopper", text: payload.text });
          msg.classList.add("failed");
          const note = el("span", "note");
          note.textContent = t("web.failed");
          msg.append(note);
          log.append(msg);
          scrollDown();
        }
      }
    });
    return queue;
  }

  async function pollLoop() {
    for (;;) {
      try {
        const asked = last;
        render(await api("/api/messages?shopper=1&after=" + asked), asked);
        setDown(false);
      } catch (e) {
        setDown(true);
        await sleep(2000);
        // A quick request tells when the shop is back, before a long poll would.
        api("/api/texts?lang=" + encodeURIComponent(lang)).then(() => setDown(false), () => {});
      }
    }
  }

  // start opens the conversation of a new chat, once it is shown and its
  // history is loaded.
  async function start() {
    if (started) return;
    started = true;
    await loaded;
    if (nodes.size > 0) return;
    const params = new URLSearchParams(location.search);
    // A link such as /?start=summer-sale carries a deep-link source.
    const source = params.get("start");
    await send({ text: source ? "/start " + source : "/start", quiet: true });
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    input.style.height = "";
    send({ text });
    input.focus();
  });

  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  input.addEventListener("input", () => {
    input.style.height = "";
    input.style.height = input.scrollHeight + "px";
  });

  // "Continue in Telegram or WhatsApp": the link screen with its code. A
  // shop with no other channel shows no such button.
  const cont = document.getElementById("continue");
  if (cont) cont.addEventListener("click", () => send({ text: "/link", quiet: true }));

  if (embed) {
    const close = () => parent.postMessage({ omnicart: "close" }, "*");
    document.getElementById("close").addEventListener("click", close);
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape") close();
    });
    window.addEventListener("message", (e) => {
      if (e.source !== parent || !e.data || e.data.omnicart !== "open") return;
      input.focus();
      start();
    });
    parent.postMessage({ omnicart: "texts", open: t("web.open"), close: t("web.close") }, "*");
  }

  // The page holds only the labels it shows at first: the others (the
  // location button, "not sent", the phone prompt, "You"/"Shop" for
  // screen readers) come with the language's texts.
  api("/api/texts?lang=" + encodeURIComponent(lang)).then(
    (r) => applyTexts(r.texts, r.lang),
    () => {},
  );

  loaded = (async () => {
    for (;;) {
      try {
        render(await api("/api/messages?shopper=1"), 0);
        setDown(false);
        return;
      } catch (e) {
        setDown(true);
        await sleep(2000);
      }
    }
  })();
  loaded.then(() => {
    // The full page starts at once; the widget when it is first opened.
    if (!embed) start();
    pollLoop();
  });
})();
