package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"omnicart/bot/telegram/tgtest"
	"omnicart/shop"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The web chat widget in a real browser: Debian's chromium, driven by
// chromedp. .ci/install-chromium installs it (make test runs it when
// chromium is missing and the user is root). A test that cannot get a
// browser fails: it does not skip.

var screenshots = flag.Bool("screenshots", false, "write the widget's screenshots to docs/ (README pictures)")

// chromiumPath finds Debian's chromium.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("OMNICART_CHROMIUM"), "chromium", "chromium-browser"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium: the browser tests need Debian's chromium; install it with .ci/install-chromium (apt-get install -y chromium)")
	return ""
}

// newBrowser starts chromium for one test, with the flags this machine
// needs: no sandbox (root), no GPU, and no network of its own (background
// updates, QUIC, sync), so every request it makes is the pages'.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "en-US"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// hostPage serves a shop's own site on another port, with the widget's
// one script tag.
func hostPage(t *testing.T, shop string) string {
	t.Helper()
	html := `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo Coffee — roastery</title>
<style>body{font:17px/1.5 Georgia,serif;margin:0;background:#faf6f0;color:#3b2f2a}
header{background:#3b2f2a;color:#faf6f0;padding:1rem 1.5rem;font-size:1.4rem}
main{padding:1.5rem;max-width:40rem}</style></head>
<body><header>☕ Demo Coffee</header>
<main><h1>Fresh roasts every week</h1>
<p>Single origins and blends, roasted in small batches. Ask us anything in the chat, or order right there.</p>
<p><a href="#about">About us</a></p></main>
<script src="` + shop + `widget.js" data-start="site_test" async></script>
</body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// tab is one shopper's browser tab showing the host page with the widget.
type tab struct {
	t    *testing.T
	ctx  context.Context
	shop string // the shop's base URL

	mu       sync.Mutex
	requests []string
}

// newTab opens the host page in a fresh browser context (its own cookies)
// at the given viewport size.
// browserZone is the time zone of the browser's tabs.
const browserZone = "Asia/Vladivostok"

func newTab(t *testing.T, browser context.Context, shop, host string, width, height int64, mobile bool) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &tab{t: t, ctx: ctx, shop: shop}
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			b.mu.Lock()
			b.requests = append(b.requests, e.Request.URL)
			b.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	var vp []chromedp.EmulateViewportOption
	if mobile {
		vp = append(vp, chromedp.EmulateScale(1), chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height, vp...)); err != nil {
		t.Fatal(err)
	}
	// A shopper far from the shop: the chat tells the shop the browser's zone.
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: browserZone}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(host)); err != nil {
		t.Fatal(err)
	}
	return b
}

// host evaluates expr in the host page.
func (b *tab) host(expr string, out any) {
	b.t.Helper()
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("host page: %s: %v", expr, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			b.t.Fatalf("host page: %s: %s: %v", expr, raw, err)
		}
	}
}

// chat evaluates expr in the chat's iframe (an isolated world of that
// frame: the same DOM, none of the page's variables).
func (b *tab) chat(expr string, out any) error {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return err
	}
	var frame cdp.FrameID
	for _, f := range tree.FrameTree.ChildFrames {
		if strings.HasPrefix(f.Frame.URL, b.shop) {
			frame = f.Frame.ID
		}
	}
	if frame == "" {
		return fmt.Errorf("no chat iframe")
	}
	world, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: frame, WorldName: "test"})
	if err != nil {
		return err
	}
	yes := true
	res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: expr,
		ContextID: world.ExecutionContextID, ReturnByValue: &yes, AwaitPromise: &yes})
	if err != nil {
		return err
	}
	if res.ExceptionDetails != nil {
		return fmt.Errorf("%s: %s", expr, res.ExceptionDetails.Text)
	}
	if out != nil && res.Result != nil {
		return json.Unmarshal([]byte(res.Result.Value), out)
	}
	return nil
}

// wait polls cond (a JS expression in the chat) until it is true.
func (b *tab) wait(cond, what string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		var ok bool
		if last = b.chat("!!("+cond+")", &ok); last == nil && ok {
			return
		}
		time.Sleep(40 * time.Millisecond)
	}
	b.t.Fatalf("%s: not within 10s (%v)\nchat:\n%s", what, last, b.log())
}

// log is the chat's text, for failure messages.
func (b *tab) log() string {
	var s string
	b.chat(`document.getElementById("log").innerText`, &s)
	return s
}

// js quotes s as a JS string.
func js(s string) string { q, _ := json.Marshal(s); return string(q) }

// recent is a JS expression: the text of the newest n messages.
func recent(n int) string {
	return `[...document.querySelectorAll("#log .msg")].slice(-` + strconv.Itoa(n) + `).map(m => m.innerText).join("\n")`
}

// count is a JS expression: how many messages the chat shows.
const count = `document.querySelectorAll("#log .msg").length`

// press clicks the newest button whose label starts with label, and waits
// for want among the newest messages.
func (b *tab) press(label, want string) {
	b.t.Helper()
	time.Sleep(150 * time.Millisecond) // a person's pace: the chat allows 5 messages a second
	var ok bool
	err := b.chat(`(() => { const bs = [...document.querySelectorAll("#log .msg.bot button")].filter(b => b.textContent.startsWith(`+js(label)+`));
		if (!bs.length) return false; bs[bs.length-1].click(); return true })()`, &ok)
	if err != nil || !ok {
		b.t.Fatalf("no button %q (%v) in:\n%s", label, err, b.log())
	}
	b.wait(recent(3)+`.includes(`+js(want)+`)`, fmt.Sprintf("after %q, %q", label, want))
}

// say types text into the chat's box and sends it with Enter, as a
// keyboard user does, and waits for want.
func (b *tab) say(text, want string) {
	b.t.Helper()
	time.Sleep(150 * time.Millisecond)
	if err := b.chat(`document.getElementById("input").focus()`, nil); err != nil {
		b.t.Fatal(err)
	}
	if err := chromedp.Do(b.ctx, chromedp.KeyEvent(text)); err != nil {
		b.t.Fatal(err)
	}
	b.enter()
	b.wait(recent(3)+`.includes(`+js(want)+`)`, fmt.Sprintf("after typing %q, %q", text, want))
}

// enter presses Enter as a keyboard does: one key down carrying its text,
// which the page may cancel, then a key up. (chromedp's KeyEvent("\r")
// sends the text as a separate event that no handler can stop, so a
// textarea would keep a line break.)
func (b *tab) enter() {
	b.t.Helper()
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
		text := "\r"
		if typ == input.DispatchKeyEventTypeKeyUp {
			text = ""
		}
		if _, err := chromedp.Call(b.ctx, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Text: text,
			Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}); err != nil {
			b.t.Fatal(err)
		}
	}
}

// open opens the widget from the keyboard: Tab to the bubble, Enter.
func (b *tab) open() {
	b.t.Helper()
	var ready bool
	for range 100 {
		b.host(`!!document.getElementById("omnicart-widget")`, &ready)
		if ready {
			break
		}
		time.Sleep(30 * time.Millisecond)
	}
	if !ready {
		b.t.Fatal("widget.js drew no bubble on the host page")
	}
	b.host(`document.querySelector("#omnicart-widget").shadowRoot.querySelector(".bubble").focus()`, nil)
	b.enter()
	var expanded string
	b.host(`document.querySelector("#omnicart-widget").shadowRoot.querySelector(".bubble").getAttribute("aria-expanded")`, &expanded)
	if expanded != "true" {
		b.t.Fatalf("bubble aria-expanded = %q after Enter", expanded)
	}
	b.wait(`document.hasFocus() && document.activeElement === document.getElementById("input")`, "focus in the chat's input")
}

// inREADME are the screenshots the README shows.
var inREADME = map[string]bool{"widget-phone.png": true, "widget-phone-ru.png": true, "widget-desktop.png": true, "widget-down.png": true}

// screenshot writes the viewport to the test's folder, or with
// -screenshots, the README's pictures to docs/.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(b.t.TempDir(), name)
	if *screenshots && inREADME[name] {
		path = filepath.Join("..", "..", "docs", name)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// thirdParty returns the requests that went anywhere but the shop and
// the host page.
func (b *tab) thirdParty(host string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var bad []string
	for _, r := range b.requests {
		u, err := url.Parse(r)
		if err != nil || u.Scheme == "data" || u.Scheme == "blob" || u.Scheme == "about" {
			continue
		}
		if !strings.HasPrefix(r, b.shop) && !strings.HasPrefix(r, host) {
			bad = append(bad, r)
		}
	}
	return bad
}

// purchase buys in the chat: a product, its quantity changed in place, the
// checkout with a typed phone number, courier delivery and the demo
// payment. ru switches the chat to Russian first with /lang and checks
// that the page's own labels follow.
func (b *tab) purchase(lang, shot string) {
	b.t.Helper()
	b.wait(recent(1)+`.includes("Welcome to Test shop")`, "the greeting")
	if lang == "ru" {
		b.say("/lang", "Choose your language")
		b.press("Русский", "Добро пожаловать")
		b.wait(`document.getElementById("input").placeholder === "Напишите сообщение…" &&
			document.getElementById("send").textContent === "Отправить" &&
			document.getElementById("title").textContent === "Test shop · чат" &&
			document.getElementById("continue").textContent.startsWith("Продолжить в Telegram") &&
			document.documentElement.lang === "ru"`, "Russian labels after /lang")
	}
	t := map[string][]string{
		"en": {"🛍 Catalog", "Choose a category", "☕", "page 1 of 2", "Ethiopia", "Ethiopia Yirgacheffe", "Whole beans", "How many? 1",
			"Add 2", "Added", "✅ Check out", "What is your name?", "Anna", "Your phone number", "type it with the country code",
			"🚚 Courier", "delivery address", "Moscow, Tverskaya 1, flat 5", "Choose a day",
			"✅ Place the order", "is placed", "💳 Pay", "is paid", "Tomorrow", "14:00–18:00", "Please check your order"},
		"ru": {"🛍 Каталог", "Выберите категорию", "☕", "страница 1 из 2", "Эфиопия", "Эфиопия Иргачеффе", "Зерно", "Сколько штук? 1",
			"Добавить 2", "Добавлено", "✅ Оформить заказ", "Как вас зовут?", "Анна", "Ваш номер телефона", "с кодом страны",
			"🚚 Курьер", "адрес доставки", "Москва, Тверская 1, кв. 5", "день",
			"✅ Подтвердить", "оформлен", "💳 Оплатить", "оплачен", "Завтра", "14:00–18:00", "Проверьте заказ"},
	}[lang]
	b.press(t[0], t[1])
	b.press(t[2], t[3])
	b.press(t[4], t[5])
	b.press(t[6], t[7])
	// The quantity picker changes in place: + adds no message.
	var before, after int
	b.chat(count, &before)
	b.press("+ 1", strings.Replace(t[7], "1", "2", 1))
	b.chat(count, &after)
	if after != before {
		b.t.Errorf("+ 1 changed the number of messages from %d to %d: the picker must update in place", before, after)
	}
	b.press(t[8], t[9])
	b.press(t[10], t[11])
	b.say(t[12], t[13])
	if !strings.Contains(b.log(), t[14]) {
		b.t.Errorf("phone prompt does not ask to type the number:\n%s", b.log())
	}
	for _, dishonest := range []string{"share your contact", "отправьте контакт"} {
		if strings.Contains(b.log(), dishonest) {
			b.t.Errorf("the web chat asks to %q, which it has no way to do", dishonest)
		}
	}
	var phoneMode string
	b.chat(`document.getElementById("input").inputMode`, &phoneMode)
	if phoneMode != "tel" {
		b.t.Errorf("input mode at the phone prompt = %q, want tel", phoneMode)
	}
	b.say("+7 999 123-45-67", t[15])
	b.press(t[15], t[16])
	b.say(t[17], t[18])
	b.press(t[23], t[24]) // the courier's day, then the window
	b.press(t[24], t[25])
	b.press(t[19], t[20])
	b.press(t[21], t[22])
	b.screenshot(shot)
}

// TestWidgetInBrowser: the widget on a host page from another port buys in
// English and in Russian at phone and desktop sizes, keeps both sides of
// the conversation over a reload, offers the link code, makes no
// third-party requests, and shows the down state when the shop stops.
func TestWidgetInBrowser(t *testing.T) {
	browser := newBrowser(t)
	// With Telegram on, the header offers to continue there.
	srv, _ := tgShop(t, tgtest.NewServer(t, tgtest.Options{}), nil)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			srv.stop(t)
		}
	})
	host := hostPage(t, srv.base)

	outer := t
	var last *tab
	for _, c := range []struct {
		lang, size    string
		width, height int64
		mobile        bool
	}{
		{"en", "phone", 390, 844, true},
		{"ru", "phone", 390, 844, true},
		{"ru", "desktop", 1280, 800, false},
		{"en", "desktop", 1280, 800, false},
	} {
		t.Run(c.lang+"_"+c.size, func(t *testing.T) {
			b := newTab(outer, browser, srv.base, host, c.width, c.height, c.mobile) // kept for the reload
			b.t = t
			b.open()
			shot := fmt.Sprintf("widget-%s-%s.png", c.size, c.lang)
			if c.lang == "en" {
				shot = fmt.Sprintf("widget-%s.png", c.size)
			}
			b.purchase(c.lang, shot)
			// Every message names its side for screen readers, in the
			// chat's language (labels the page did not show at first
			// were empty until the language changed).
			b.wait(`[...document.querySelectorAll("#log .msg .sr-only")].every(s => s.textContent.length > 3)`, "the screen-reader labels of the messages")
			if c.size == "phone" {
				var w float64
				b.host(`document.querySelector("#omnicart-widget").shadowRoot.querySelector(".panel").getBoundingClientRect().width`, &w)
				if w != float64(c.width) {
					t.Errorf("on a phone the chat panel is %vpx wide, want the whole %dpx", w, c.width)
				}
			}
			if bad := b.thirdParty(host); len(bad) > 0 {
				t.Errorf("third-party requests: %v", bad)
			}
			last = b
		})
		if t.Failed() {
			return
		}
	}

	// The customers who bought in the browser have its zone (quiet hours).
	bought := 0
	err := srv.m.DB.EachOrder(context.Background(), func(o shop.Order) bool {
		bought++
		if c, err := srv.m.DB.Customer(context.Background(), o.CustomerID); err != nil || c.Zone != browserZone {
			t.Errorf("the buyer of order #%d has zone %q (%v), want the browser's %s", o.Number, c.Zone, err, browserZone)
		}
		return true
	})
	if err != nil || bought == 0 {
		t.Fatalf("%d orders from the browser: %v", bought, err)
	}

	b := last
	t.Run("reload", func(t *testing.T) {
		b.t = t
		if err := chromedp.Do(b.ctx, chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		b.open()
		b.wait(`[...document.querySelectorAll("#log .msg.user")].some(m => m.innerText.includes("Moscow, Tverskaya 1, flat 5")) &&
			[...document.querySelectorAll("#log .msg.bot")].some(m => m.innerText.includes("is paid"))`,
			"both sides of the conversation after a reload")
		// The link code, to continue in Telegram or WhatsApp.
		b.chat(`document.getElementById("continue").click()`, nil)
		b.wait(recent(1)+`.includes("/link")`, "the link screen with its code")
		b.screenshot("widget-link.png")
	})

	t.Run("typing fast", func(t *testing.T) {
		// Each message wakes the long poll before the shop answers; an
		// answer that overtook another emptied the whole log.
		b.t = t
		b.chat(`(async () => {
			const input = document.getElementById("input"), form = document.getElementById("form");
			for (let i = 0; i < 12; i++) {
				input.value = "kenya " + i;
				form.requestSubmit();
				await new Promise((r) => setTimeout(r, 150));
			}
		})()`, nil)
		b.wait(`[...document.querySelectorAll("#log .msg.user")].some(m => m.innerText.includes("kenya 11")) &&
			document.querySelectorAll("#log .msg.bot").length > 0`, "the last of twelve quick messages")
		var kept bool
		b.chat(`[...document.querySelectorAll("#log .msg.user")].some(m => m.innerText.includes("Moscow, Tverskaya 1, flat 5")) &&
			[...document.querySelectorAll("#log .msg.user")].filter(m => m.innerText.includes("kenya ")).length === 12`, &kept)
		if !kept {
			t.Error("typing quickly wiped the conversation from the screen")
		}
	})

	t.Run("down", func(t *testing.T) {
		b.t = t
		srv.stop(t)
		stopped = true
		b.wait(`!document.getElementById("status").hidden && document.getElementById("status").innerText.includes("offline")`,
			"the down state when the shop is unreachable")
		var role string
		b.chat(`document.getElementById("status").getAttribute("role")`, &role)
		if role != "alert" {
			t.Errorf("down state role = %q, want alert (announced by screen readers)", role)
		}
		b.screenshot("widget-down.png")
	})
}
