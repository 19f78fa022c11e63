// chat.js runs the shop's web chat page. Plain JS, no build step.
// Message text is only ever inserted with textContent, so hostile text stays
// text. User-facing strings come from the page (templated server-side).
"use strict";

(() => {
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("input");
  const status = document.getElementById("status");
  const locationLabel = document.body.dataset.location;

  const rendered = new Set(); // seqs of bot messages on screen
  let last = 0; // highest seq rendered
  let queue = Promise.resolve(); // POSTs run one at a time, in order

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function el(tag, className) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    return e;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function showError(on) {
    status.hidden = !on;
  }

  // showUser adds the shopper's own bubble and returns it.
  function showUser(text) {
    const msg = el("div", "msg user");
    const bubble = el("div", "bubble");
    bubble.textContent = text;
    msg.append(bubble);
    log.append(msg);
    scrollDown();
    return msg;
  }

  function button(label, onClick) {
    const b = el("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function showBot(m) {
    const msg = el("div", "msg bot");
    const bubble = el("div", "bubble");
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
    if (bubble.childElementCount > 0) msg.append(bubble);
    for (const choices of m.choices || []) {
      const row = el("div", "row");
      for (const c of choices) {
        row.append(button(c.label, () => send({ button: c.data }, showUser(c.label))));
      }
      msg.append(row);
    }
    if (m.ask_location && navigator.geolocation && locationLabel) {
      const row = el("div", "row");
      row.append(button(locationLabel, shareLocation));
      msg.append(row);
    }
    log.append(msg);
  }

  function shareLocation() {
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const loc = { lat: pos.coords.latitude, lon: pos.coords.longitude };
        send({ location: loc }, showUser("📍 " + loc.lat.toFixed(5) + ", " + loc.lon.toFixed(5)));
      },
      () => {}, // denied or unavailable: the shopper can type an address
      { timeout: 15000 },
    );
  }

  // render shows the bot messages of an API answer that are not on screen.
  function render(batch) {
    if (batch.last < last) {
      // The server forgot this chat (restart): its numbering starts over.
      rendered.clear();
      last = 0;
    }
    for (const m of batch.messages) {
      if (rendered.has(m.seq)) continue;
      rendered.add(m.seq);
      last = Math.max(last, m.seq);
      showBot(m);
    }
    scrollDown();
  }

  async function api(url, body) {
    const opts = { credentials: "same-origin" };
    if (body !== undefined) {
      opts.method = "POST";
      opts.headers = { "Content-Type": "application/json" };
      opts.body = JSON.stringify(body);
    }
    const resp = await fetch(url, opts);
    if (!resp.ok) throw new Error("HTTP " + resp.status);
    return resp.json();
  }

  // send posts one message after the previous ones; bubble is the shopper's
  // bubble to mark if sending fails.
  function send(body, bubble) {
    queue = queue.then(async () => {
      try {
        render(await api("/api/send", body));
      } catch (e) {
        if (bubble) bubble.classList.add("failed");
        showError(true);
        setTimeout(() => showError(false), 4000);
      }
    });
    return queue;
  }

  async function pollLoop() {
    for (;;) {
      try {
        render(await api("/api/messages?after=" + last));
        showError(false);
      } catch (e) {
        showError(true);
        await sleep(3000);
      }
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    input.style.height = "";
    send({ text }, showUser(text));
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

  (async () => {
    try {
      const history = await api("/api/messages");
      render(history);
      if (history.messages.length === 0) {
        // A link such as /?start=summer-sale carries a deep-link source.
        const source = new URLSearchParams(location.search).get("start");
        await send({ text: source ? "/start " + source : "/start" });
      }
    } catch (e) {
      showError(true);
    }
    pollLoop();
  })();
})();
