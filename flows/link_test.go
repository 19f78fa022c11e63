package flows_test

import (
	"regexp"
	"strings"
	"testing"

	"omnicart/bot"
	"omnicart/bot/bottest"
)

func text(replies []bot.Reply) string {
	var b strings.Builder
	for _, r := range replies {
		b.WriteString(r.Text + "\n")
		for _, row := range r.Choices {
			for _, c := range row {
				b.WriteString("[" + c.Label + "]")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// say sends each line and returns the replies to the last one.
func say(t *testing.T, c *bottest.Chat, lines ...string) string {
	t.Helper()
	var out string
	for _, l := range lines {
		r, err := c.Line(l)
		if err != nil {
			t.Fatalf("%s: %q: %v", c.Addr, l, err)
		}
		out = text(r)
	}
	return out
}

var codeRE = regexp.MustCompile(`/link ([A-Z0-9]{8})`)

// TestCartStartedInOneChannelCheckedOutInAnother: a shopper fills a cart on
// Telegram and in the web chat, links them with a code, pays in the web chat,
// and sees the order on Telegram; nothing is lost or doubled.
func TestCartStartedInOneChannelCheckedOutInAnother(t *testing.T) {
	h := newHarness(t, nil, nil)
	tg := &bottest.Chat{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.Telegram, Chat: "100"}, Lang: "en"}
	web := &bottest.Chat{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.Web, Chat: "cookie1"}, Lang: "en"}

	say(t, tg, "/start", "kenya", "[1]", "[1]", "[+ 1]", "[Add 2 for ₽1,980]") // 2 × Kenya beans
	say(t, web, "/start", "cantucci", "[1]", "[🛒 Add to cart]", "[3]")         // 1 × cantucci
	say(t, web, "kenya", "[1]", "[1]", "[3]")                                  // 1 × Kenya beans too: conflicting lines

	m := codeRE.FindStringSubmatch(say(t, tg, "/link"))
	if m == nil {
		t.Fatal("no link code shown")
	}
	if got := say(t, web, "/link AAAAAAAA"); !strings.Contains(got, "wrong or has expired") {
		t.Fatalf("wrong code: %s", got)
	}
	if got := say(t, web, "/link "+m[1]); !strings.Contains(got, "Linked! This chat now shares your cart (4 items)") {
		t.Fatalf("link: %s", got)
	}
	if got := say(t, web, "/link "+m[1]); !strings.Contains(got, "wrong or has expired") {
		t.Fatalf("the code worked twice: %s", got)
	}
	cart := say(t, tg, "/cart")
	for _, want := range []string{"Kenya AA Nyeri 250 g (Whole beans) — 3 × ₽990", "Almond cantucci 200 g — 1 × ₽390", "Total: ₽3,360"} {
		if !strings.Contains(cart, want) {
			t.Fatalf("telegram cart lacks %q:\n%s", want, cart)
		}
	}
	say(t, web, "/cart", "[✅ Check out]", "Anna", "+79161234567", "[🏬 Pickup point]", "[1]")
	if got := say(t, web, "[✅ Place the order]", "[1]"); !strings.Contains(got, "Order #1001 is paid: ₽3,360") {
		t.Fatalf("pay on web: %s", got)
	}
	if got := say(t, tg, "/orders"); !strings.Contains(got, "Your orders (1)") || !strings.Contains(got, "#1001") {
		t.Fatalf("telegram orders: %s", got)
	}
	if got := say(t, tg, "/cart"); !strings.Contains(got, "Your cart is empty") {
		t.Fatalf("cart after the order: %s", got)
	}

	// Unlinking the web chat gives it a cart of its own again.
	links := say(t, tg, "/link")
	if !strings.Contains(links, "Telegram (this chat)") || !strings.Contains(links, "[Unlink Web chat]") {
		t.Fatalf("links: %s", links)
	}
	if got := say(t, tg, "[Unlink Web chat]"); !strings.Contains(got, "Web chat is unlinked") {
		t.Fatalf("unlink: %s", got)
	}
	if got := say(t, web, "/orders"); !strings.Contains(got, "You have no orders yet") {
		t.Fatalf("unlinked web chat still sees the orders: %s", got)
	}
}

// TestSamePhoneLinksAutomatically: a Telegram shopper shares their own
// contact; when the same number writes on WhatsApp, it is the same customer.
func TestSamePhoneLinksAutomatically(t *testing.T) {
	h := newHarness(t, nil, nil)
	tg := &bottest.Chat{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.Telegram, Chat: "200"}, Lang: "ru"}
	wa := &bottest.Chat{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.WhatsApp, Chat: "79167654321"}, Lang: "ru"}
	say(t, tg, "/start", "кения", "[1]", "[1]", "[3]", "[✅ Оформить заказ]", "Олег", "@contact +79167654321")
	got := say(t, wa, "/cart")
	if !strings.Contains(got, "Мы узнали ваш номер телефона") || !strings.Contains(got, "(Зерно) — 1 × 990\u00a0₽") {
		t.Fatalf("whatsapp after the same phone: %s", got)
	}
	// A contact that is not the sender's own is not trusted for linking.
	other := &bottest.Chat{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.Telegram, Chat: "300"}, Lang: "en"}
	say(t, other, "/start", "kenya", "[1]", "[1]", "[3]", "[✅ Check out]", "Mallory")
	if _, err := other.Send(bot.Message{Contact: &bot.Contact{Phone: "+79167654321", Own: false}}); err != nil {
		t.Fatal(err)
	}
	if got := say(t, other, "/orders", "/cart"); strings.Contains(got, "Кения") || !strings.Contains(got, "Kenya AA Nyeri 250 g (Whole beans) — 1 ×") {
		t.Fatalf("a foreign contact joined the accounts: %s", got)
	}
}

// TestUnlinkedWhatsAppStaysUnlinked: unlinking a WhatsApp chat is not undone
// by its next message, although its number is the customer's phone.
func TestUnlinkedWhatsAppStaysUnlinked(t *testing.T) {
	h := newHarness(t, nil, nil)
	wa := &bottest.Chat{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.WhatsApp, Chat: "79161112233"}, Lang: "en"}
	tg := &bottest.Chat{H: h.eng, R: h.rec, Addr: bot.Address{Channel: bot.Telegram, Chat: "410"}, Lang: "en"}
	say(t, wa, "/start")
	code := codeRE.FindStringSubmatch(say(t, wa, "/link"))[1]
	say(t, tg, "/link "+code)
	if got := say(t, tg, "[Unlink WhatsApp]"); !strings.Contains(got, "WhatsApp is unlinked") {
		t.Fatalf("unlink: %s", got)
	}
	if got := say(t, wa, "/link"); strings.Contains(got, "recognised your phone") || strings.Contains(got, "• Telegram") {
		t.Fatalf("the unlinked WhatsApp chat was joined again: %s", got)
	}
}

// TestWrongLinkCodesAreLimited: after five wrong codes even the right one is
// refused for an hour.
func TestWrongLinkCodesAreLimited(t *testing.T) {
	h := newHarness(t, nil, nil)
	a := h.chat("lock-a", "en")
	b := h.chat("lock-b", "en")
	code := codeRE.FindStringSubmatch(say(t, a, "/link"))[1]
	for range 5 {
		say(t, b, "/link ZZZZZZZZ")
	}
	if got := say(t, b, "/link "+code); !strings.Contains(got, "Too many wrong codes") {
		t.Fatalf("sixth try: %s", got)
	}
}
