package flows_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"omnicart/bot"
	"omnicart/bot/bottest"
	"omnicart/catalog"
	"omnicart/demo"
	"omnicart/flows"
	"omnicart/locales"
	"omnicart/payments"
	"omnicart/shop"
	"omnicart/store"
)

// The staff's transcripts (testdata/staff/*.txt) are conversations of
// several chats with one shop: each input line is "name> text" and the
// replies to it follow; after each line the outbox is drained and what
// each chat was sent by it follows under "@name:". The chats and their
// roles:
var staffChats = []struct {
	name string
	addr bot.Address
	role flows.Role
}{
	{"owner", bot.Address{Channel: bot.Console, Chat: "owner"}, flows.RoleOwner},
	{"manager", bot.Address{Channel: bot.Telegram, Chat: "200"}, flows.RoleManager},
	{"operator", bot.Address{Channel: bot.WhatsApp, Chat: "79160000003"}, flows.RoleOperator},
	{"stranger", bot.Address{Channel: bot.Web, Chat: "stranger"}, flows.RoleShopper},
	{"shopper", bot.Address{Channel: bot.Telegram, Chat: "100"}, flows.RoleShopper},
}

// staffAt lists the staff chats with role at least min (the desk's view
// of the config's [admin] lists).
func staffAt(min flows.Role) []bot.Address {
	var out []bot.Address
	for _, c := range staffChats {
		if c.role != flows.RoleShopper && c.role.AtLeast(min) {
			out = append(out, c.addr)
		}
	}
	return out
}

type staffHarness struct {
	eng   *flows.Engine
	db    *store.DB
	rec   *bottest.Recorder
	chats map[string]*bottest.Chat
}

func newStaffHarness(t testing.TB, lang string) *staffHarness {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	db, err := store.Open("", store.Options{InMemory: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(demo.FS, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SyncStock(context.Background(), cat.StockSeed()); err != nil {
		t.Fatal(err)
	}
	texts := locales.Default()
	set, err := flows.Load(nil, "", flows.Builtin(), texts)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[bot.Address]flows.Role{}
	var told []string
	for _, c := range staffChats {
		roles[c.addr] = c.role
		if c.role.AtLeast(flows.RoleManager) {
			told = append(told, c.addr.String())
		}
	}
	rec := bottest.NewRecorder()
	out := &deliverer{Recorder: rec}
	sh := &flows.Shop{Name: "Demo Coffee", Catalog: cat, Flows: set, Texts: texts, Images: demo.FS, Lang: "en",
		Zone: time.FixedZone("MSK", 3*60*60)}
	staff := flows.StaffOptions{Backup: func(ctx context.Context) (string, int64, error) {
		n, err := db.Backup(io.Discard)
		if err != nil || n == 0 {
			return "", 0, fmt.Errorf("backup wrote %d bytes: %v", n, err)
		}
		return "backups/omnicart-20261120T100000.000Z.backup", 48 << 10, nil // a fixed answer for the transcript
	}}
	eng := flows.NewEngine(db, out, []payments.Provider{payments.Demo{}}, sh, flows.Options{Workers: 4, Now: clk.Now,
		Roles: func(a bot.Address) flows.Role { return roles[a] }, Staff: staff, Desk: flows.Desk{Staff: staffAt}})
	db.WatchOrders(told, func(ch store.OrderChange) []shop.Notice {
		return eng.OrderNotices(ch.Before, ch.After, ch.Customer, ch.Staff)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; db.Close() })
	h := &staffHarness{eng: eng, db: db, rec: rec, chats: map[string]*bottest.Chat{}}
	for _, c := range staffChats {
		h.chats[c.name] = &bottest.Chat{H: eng, R: rec, Addr: c.addr, Lang: lang, Name: strings.ToUpper(c.name[:1]) + c.name[1:]}
	}
	return h
}

// drain sends every notice waiting in the outbox, as the outbox sender
// would, and returns what each chat was sent, rendered.
func (h *staffHarness) drain(t testing.TB) string {
	ctx := context.Background()
	for range 10 {
		pending, err := h.db.PendingNotices(ctx, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 {
			break
		}
		for _, p := range pending {
			to, err := h.eng.Notify(ctx, p.Notice)
			if err != nil {
				if err := h.db.NoticeFailed(ctx, p.ID, err.Error()); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := h.db.NoticeSent(ctx, p.ID, to.String()); err != nil {
				t.Fatal(err)
			}
		}
	}
	var b strings.Builder
	for _, c := range staffChats {
		if r := h.rec.Take(c.addr); len(r) > 0 {
			b.WriteString("@" + c.name + ":\n" + bottest.Render(r))
		}
	}
	return b.String()
}

var customerID = regexp.MustCompile(`\bc[0-9a-f]{12}\b`)

// transcript replays the input lines of a staff transcript.
func (h *staffHarness) transcript(t testing.TB, script string) (string, error) {
	var b strings.Builder
	for _, line := range strings.Split(script, "\n") {
		if strings.HasPrefix(line, "#") {
			b.WriteString(line + "\n")
			continue
		}
		name, in, ok := strings.Cut(line, "> ")
		chat := h.chats[name]
		if !ok || chat == nil || strings.HasPrefix(line, "<") || strings.HasPrefix(line, " ") {
			continue
		}
		b.WriteString(line + "\n")
		replies, err := chat.Line(in)
		if err != nil {
			return b.String(), fmt.Errorf("line %q: %w", line, err)
		}
		b.WriteString(bottest.Render(replies))
		b.WriteString(h.drain(t))
	}
	// Customer ids are random: shown as c<id>.
	return customerID.ReplaceAllString(b.String(), "c<id>"), nil
}

// TestStaffTranscripts replays every testdata/staff/*.txt conversation;
// -update rewrites them.
func TestStaffTranscripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/staff/*.txt")
	if len(files) == 0 {
		t.Fatal("no staff transcripts in testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			script, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lang := "en"
			if strings.Contains(f, "_ru") {
				lang = "ru"
			}
			h := newStaffHarness(t, lang)
			got, err := h.transcript(t, string(script))
			if err != nil {
				t.Fatalf("%v\nso far:\n%s", err, got)
			}
			// Whatever the staff did, the store still adds up.
			if r, err := h.db.Verify(t.Context()); err != nil || !r.OK() {
				t.Errorf("verify after the transcript: %v %v", r.Problems, err)
			}
			if *update {
				if err := os.WriteFile(f, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != string(script) {
				t.Errorf("transcript differs (run go test ./flows -update and review the diff):\n%s", diff(string(script), got))
			}
		})
	}
}

// TestStaffCommandsHidden: every staff command is an unknown command to a
// shopper, and an operator may open only the staff menu.
func TestStaffCommandsHidden(t *testing.T) {
	h := newStaffHarness(t, "en")
	set := h.eng.Shop().Flows
	staffOnly := []string{"admin", "list", "order", "status", "paid", "refund", "customer", "find",
		"stock", "price", "hide", "show", "overrides", "clear", "audit", "backup"}
	for _, cmd := range staffOnly {
		if slices.Contains(set.Commands(), cmd) {
			t.Errorf("/%s is in the shoppers' command list", cmd)
		}
		for _, who := range []string{"stranger", "shopper"} {
			r, err := h.chats[who].Line("/" + cmd + " 1001")
			if err != nil {
				t.Fatal(err)
			}
			if got := bottest.Render(r); !strings.Contains(got, "I don't know the command /"+cmd+".") {
				t.Errorf("%s /%s: %q, want the unknown-command answer", who, cmd, got)
			}
		}
		r, err := h.chats["operator"].Line("/" + cmd)
		if err != nil {
			t.Fatal(err)
		}
		unknown := strings.Contains(bottest.Render(r), "I don't know the command")
		if unknown != (cmd != "admin") {
			t.Errorf("operator /%s: %q", cmd, bottest.Render(r))
		}
	}
	// A forged button of a staff command is stale, never run.
	r, err := h.chats["stranger"].Send(bot.Message{Button: "cmd:status|1001 cancelled"})
	if err != nil {
		t.Fatal(err)
	}
	if got := bottest.Render(r); !strings.Contains(got, "no longer applies") {
		t.Errorf("forged staff button: %q", got)
	}
}

// A return request whose refund was recorded but which was not marked
// decided (the shop was killed in between, or a second manager approved it
// at the same moment) is decided on the next approval without giving the
// money back again.
func TestReturnRefundedOnce(t *testing.T) {
	h := newStaffHarness(t, "en")
	ctx := context.Background()
	cust, err := h.db.CustomerFor(ctx, "telegram:100")
	if err != nil {
		t.Fatal(err)
	}
	rub := func(n int64) shop.Money { return shop.Money{Minor: n * 100, Currency: "RUB"} }
	lines := []shop.Line{{Item: shop.Item{SKU: "ETH-250"}, Qty: 1, Price: rub(500)}, {Item: shop.Item{SKU: "KEN-250"}, Qty: 1, Price: rub(1000)}}
	o, err := h.db.PlaceOrder(ctx, shop.Order{CustomerID: cust.ID, Lines: lines, Total: rub(1500)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []shop.Status{shop.StatusPaid, shop.StatusShipped, shop.StatusDelivered} {
		if _, err := h.db.UpdateOrder(ctx, o.ID, func(o *shop.Order) error { return o.Move(s, o.UpdatedAt) }); err != nil {
			t.Fatal(err)
		}
	}
	r, err := h.db.CreateReturn(ctx, shop.Return{OrderID: o.ID, Customer: cust.ID, Lines: lines[:1], Value: rub(500),
		Reason: "defective", Want: shop.WantRefund}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The refund went through and was recorded with the request's number;
	// then the process died before the request was marked decided.
	if _, err := h.db.UpdateOrder(ctx, o.ID, func(o *shop.Order) error {
		o.RefundPart(rub(500))
		o.Returns = append(o.Returns, shop.ReturnRefund{N: r.N, Amount: rub(500)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // approved again, twice
		if _, err := h.chats["manager"].Line(fmt.Sprintf("/return_approve %d", r.N)); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := h.db.Order(ctx, o.ID)
	if got.Refunded != rub(500) {
		t.Errorf("refunded %v after approving again, want the 500 given back once", got.Refunded)
	}
	decided, _ := h.db.Return(ctx, r.N)
	if decided.Status != shop.ReturnApproved || decided.Refund != rub(500) {
		t.Errorf("request %+v: want approved with 500 refunded", decided)
	}
}

// A bank-transfer order: the staff hear of it once as new (when the
// transfer is chosen); when a manager marks the money arrived, the others
// hear that, not of a "new order" again.
func TestTransferOrderAlertsOnce(t *testing.T) {
	h := newStaffHarness(t, "en")
	boss := shop.Customer{ID: "c-owner", Channels: []string{"console:owner"}}
	mgr := shop.Customer{ID: "c-mgr", Channels: []string{"telegram:200"}}
	staff := []shop.Customer{boss, mgr}
	chosen := shop.Order{ID: "o1", Number: 1001, Status: shop.StatusNew, Provider: "qr", Total: shop.Money{Minor: 99000, Currency: "RUB"},
		History: []shop.StatusChange{{Status: shop.StatusNew}}}
	before := chosen
	before.Provider = ""
	texts := func(ns []shop.Notice) (out []string) {
		for _, n := range ns {
			out = append(out, string(n.Customer)+" "+n.Text)
		}
		return out
	}
	got := texts(h.eng.OrderNotices(&before, chosen, shop.Customer{ID: "c-shopper"}, staff))
	if len(got) != 2 || got[0] != "c-owner admin.new_transfer" || got[1] != "c-mgr admin.new_transfer" {
		t.Fatalf("transfer chosen: %v", got)
	}
	paid := chosen
	paid.Status = shop.StatusPaid
	paid.History = append(paid.History, shop.StatusChange{Status: shop.StatusPaid, By: "telegram:200"})
	got = texts(h.eng.OrderNotices(&chosen, paid, shop.Customer{ID: "c-shopper"}, staff))
	if !slices.Contains(got, "c-owner admin.transfer_paid") || slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "new_order") || strings.HasPrefix(s, "c-mgr ") }) {
		t.Errorf("transfer marked paid by the manager: %v; want the owner told it arrived, no new-order alert", got)
	}
}

// A bank transfer slower than the order's time to pay: the staff are told
// the order expired, and /paid brings it back paid with its stock taken
// again; when its items are gone meanwhile, they are told to give the
// money back instead.
func TestTransferAfterExpiry(t *testing.T) {
	for _, soldOut := range []bool{false, true} {
		h := newStaffHarness(t, "en")
		ctx := context.Background()
		h.chats["manager"].Line("/start") // staff the shop knows
		cust, _ := h.db.CustomerFor(ctx, "telegram:100")
		item := shop.Item{SKU: "GRINDER-X"}
		before, _, _ := h.db.Stock(ctx, item)
		price := shop.Money{Minor: 1290000, Currency: "RUB"}
		o, err := h.db.PlaceOrder(ctx, shop.Order{CustomerID: cust.ID, Provider: "qr", Channel: "telegram", Total: price,
			Lines: []shop.Line{{Item: item, Qty: 1, Price: price}}})
		if err != nil {
			t.Fatal(err)
		}
		h.drain(t)
		if _, err := h.db.ExpireUnpaid(ctx, o.CreatedAt.Add(30*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if told := h.drain(t); !strings.Contains(told, "expired waiting for its bank transfer") {
			t.Errorf("the staff were not told the transfer order expired:\n%s", told)
		}
		if soldOut {
			h.db.SetStock(ctx, item, 0)
		}
		replies, err := h.chats["manager"].Line(fmt.Sprintf("/paid %d", o.Number))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := h.db.Order(ctx, o.ID)
		left, _, _ := h.db.Stock(ctx, item)
		switch {
		case soldOut && (got.Status != shop.StatusCancelled || !strings.Contains(replies[0].Text, "Give the")):
			t.Errorf("sold out: order %s, reply %q; want it cancelled and the money given back by hand", got.Status, replies[0].Text)
		case !soldOut && (got.Status != shop.StatusPaid || left != before-1 || !strings.Contains(replies[0].Text, "it is back, paid")):
			t.Errorf("in stock: order %s, stock %d (was %d), reply %q; want it paid with its item taken again", got.Status, left, before, replies[0].Text)
		}
	}
}

// buttons returns the rows of buttons of replies: label → data, in order,
// and fails on button data a channel would refuse.
func buttons(t *testing.T, replies []bot.Reply) (labels []string, data map[string]string) {
	t.Helper()
	data = map[string]string{}
	for _, r := range replies {
		for _, row := range r.Choices {
			for _, b := range row {
				if len(b.Data) > bot.MaxChoiceData {
					t.Errorf("button %q: data %q is %d bytes", b.Label, b.Data, len(b.Data))
				}
				labels = append(labels, b.Label)
				data[b.Label] = b.Data
			}
		}
	}
	return labels, data
}

// /list shows the orders waiting longest first and pages on to the rest:
// twelve paid orders are all reachable, ten and then two.
func TestStaffListPaging(t *testing.T) {
	h := newStaffHarness(t, "en")
	ctx := context.Background()
	price := shop.Money{Minor: 29000, Currency: "RUB"}
	var numbers []int64
	for i := range 12 {
		cust, err := h.db.CustomerFor(ctx, fmt.Sprintf("web:shopper%d", i))
		if err != nil {
			t.Fatal(err)
		}
		o, err := h.db.PlaceOrder(ctx, shop.Order{CustomerID: cust.ID, Total: price,
			Lines: []shop.Line{{Item: shop.Item{SKU: "ETH-250"}, Qty: 1, Price: price}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.db.UpdateOrder(ctx, o.ID, func(o *shop.Order) error { return o.Move(shop.StatusPaid, o.UpdatedAt) }); err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, o.Number)
	}
	h.drain(t)
	orderLabels := func(labels []string) (out []string) {
		for _, l := range labels {
			if strings.HasPrefix(l, "#") {
				out = append(out, strings.Fields(l)[0])
			}
		}
		return out
	}
	want := func(ns []int64) (out []string) {
		for _, n := range ns {
			out = append(out, fmt.Sprintf("#%d", n))
		}
		return out
	}
	for _, cmd := range []string{"/list", "/list paid", "/list PAID", "/list Paid 1"} {
		r, err := h.chats["manager"].Line(cmd)
		if err != nil {
			t.Fatal(err)
		}
		labels, data := buttons(t, r)
		if got := orderLabels(labels); !slices.Equal(got, want(numbers[:10])) {
			t.Errorf("%s: orders %v, want the ten oldest %v", cmd, got, want(numbers[:10]))
		}
		next := data["Next ›"]
		if cmd == "/list" {
			next = data["paid: 11–12 of 12 ›"]
		}
		if next == "" {
			t.Fatalf("%s: no button to the next page in %q", cmd, labels)
		}
		r, err = h.chats["manager"].Send(bot.Message{Button: next})
		if err != nil {
			t.Fatal(err)
		}
		labels, data = buttons(t, r)
		if got := orderLabels(labels); !slices.Equal(got, want(numbers[10:])) || data["‹ Prev"] == "" || data["Next ›"] != "" {
			t.Errorf("%s, next page: orders %v, buttons %q; want %v and a way back", cmd, got, labels, want(numbers[10:]))
		}
		if !strings.Contains(r[len(r)-1].Text, "page 2 of 2") {
			t.Errorf("%s, next page: %q", cmd, r[len(r)-1].Text)
		}
	}
	// A page past the end (the list shrank since the button was sent) is
	// the last one.
	r, err := h.chats["manager"].Line("/list paid 99")
	if err != nil {
		t.Fatal(err)
	}
	if labels, _ := buttons(t, r); !slices.Equal(orderLabels(labels), want(numbers[10:])) || !strings.Contains(r[len(r)-1].Text, "page 2 of 2") {
		t.Errorf("/list paid 99: %q, buttons %q", r[len(r)-1].Text, labels)
	}
}

// withLongItem puts into h's shop the demo catalog with a product whose
// SKU and variant ids are as long as the catalog allows (32 bytes each):
// its items' keys are 65 bytes, more than button data holds.
func withLongItem(t *testing.T, h *staffHarness) (sku string) {
	t.Helper()
	sku = strings.Repeat("S", 32)
	fsys := fstest.MapFS{}
	err := fs.WalkDir(demo.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := demo.FS.ReadFile(path)
		fsys[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fsys["catalog.yaml"].Data = append(fsys["catalog.yaml"].Data, []byte(`
  - sku: `+sku+`
    category: tea
    name: {en: Long, ru: Длинный}
    price: 100
    stock: 5
    variants:
      - {id: `+strings.Repeat("v", 31)+`a, name: {en: A, ru: А}, stock: 1}
      - {id: `+strings.Repeat("v", 31)+`b, name: {en: B, ru: Б}, stock: 1}
`)...)
	cat, err := catalog.Load(fsys, "demo")
	if err != nil {
		t.Fatal(err)
	}
	sh := *h.eng.Shop()
	sh.Catalog, sh.File = cat, nil
	h.eng.SetShop(&sh)
	return sku
}

// The Clear button of an item whose key does not fit in button data
// clears that item, and only it.
func TestClearButtonLongItem(t *testing.T) {
	h := newStaffHarness(t, "en")
	sku := withLongItem(t, h)
	a, b := sku+"/"+strings.Repeat("v", 31)+"a", sku+"/"+strings.Repeat("v", 31)+"b"
	mgr := h.chats["manager"]
	for _, item := range []string{a, b} {
		if _, err := mgr.Line("/hide " + item); err != nil {
			t.Fatal(err)
		}
	}
	r, err := mgr.Line("/overrides")
	if err != nil {
		t.Fatal(err)
	}
	_, data := buttons(t, r)
	clear := data["Clear "+a]
	if clear == "" {
		t.Fatalf("no Clear button for %s: %v", a, data)
	}
	r, err = mgr.Send(bot.Message{Button: clear})
	if err != nil {
		t.Fatal(err)
	}
	if got := bottest.Render(r); !strings.Contains(got, a+" is as the catalog's files say again.") {
		t.Errorf("pressing Clear %s: %q", a, got)
	}
	ov, err := h.db.Overrides(context.Background())
	if err != nil || len(ov) != 1 || ov[0].Item != b || !ov[0].Hidden {
		t.Errorf("overrides after clearing %s: %+v, %v; want %s still hidden", a, ov, err, b)
	}
	// Pressed again, the button is stale: it clears nothing else.
	r, err = mgr.Send(bot.Message{Button: clear})
	if err != nil {
		t.Fatal(err)
	}
	if got := bottest.Render(r); !strings.Contains(got, "no longer applies") {
		t.Errorf("pressing Clear %s again: %q", a, got)
	}
	if ov, _ := h.db.Overrides(context.Background()); len(ov) != 1 {
		t.Errorf("overrides after a stale Clear: %+v", ov)
	}
}

// /overrides pages: 49 changes are five screens of at most ten, each well
// within a message, and Next reaches every one.
func TestOverridesPaging(t *testing.T) {
	h := newStaffHarness(t, "en")
	ctx := context.Background()
	var want []string
	for i := range 49 {
		item := fmt.Sprintf("ITEM-%02d", i)
		want = append(want, item)
		if _, _, err := h.db.SetOverride(ctx, item, item, shop.AuditEntry{By: "telegram:200", Action: "hide"},
			func(o *shop.Override) { o.Hidden = true }); err != nil {
			t.Fatal(err)
		}
	}
	mgr := h.chats["manager"]
	r, err := mgr.Line("/overrides")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for page := 1; ; page++ {
		labels, data := buttons(t, r)
		text := r[len(r)-1].Text
		if !strings.Contains(text, fmt.Sprintf("(49, page %d of 5)", page)) || len(text) > 1000 {
			t.Errorf("page %d: %q", page, text)
		}
		clears := 0
		for _, l := range labels {
			if item, ok := strings.CutPrefix(l, "Clear "); ok {
				got = append(got, item)
				clears++
			}
		}
		if clears > 10 {
			t.Errorf("page %d has %d Clear buttons", page, clears)
		}
		next := data["Next ›"]
		if next == "" {
			break
		}
		if r, err = mgr.Send(bot.Message{Button: next}); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("the pages show %v, want %v", got, want)
	}
}

// /audit reads its entries in the reader's language, amounts in the
// reader's format; an entry written before the log was language-neutral
// is shown as it was written.
func TestAuditInReadersLanguage(t *testing.T) {
	h := newStaffHarness(t, "ru")
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for i, e := range []shop.AuditEntry{
		{Action: "refund", Target: "1001", Before: "paid", After: "refunded part ₽100 (by hand)"}, // written before
		{Action: "refund", Target: "1002", Before: "paid", After: "refunded 1190.00 RUB"},
		{Action: "paid", Target: "1003", Before: "cancelled expired", After: "paid"},
		{Action: "price", Target: "ETH-250", Before: "890.00 RUB", After: "1950.50 RUB"},
		{Action: "show", Target: "KEN-250", Before: "hidden", After: "shown"},
		{Action: "return", Target: "1004", Before: "pending", After: "approved refund 100.00 RUB"},
		{Action: "backup", After: "failed"},
		{Action: "support", Target: "conversation 3", After: "taken"}, // the desk's: as written
	} {
		e.At, e.By = at.Add(time.Duration(i)*time.Minute), "telegram:200"
		if err := h.db.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	r, err := h.chats["owner"].Line("/audit")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(bottest.Render(r)) // amounts keep together
	for _, want := range []string{
		"возврат денег 1001: оплачен → refunded part ₽100 (by hand)",
		"возврат денег 1002: оплачен → деньги возвращены 1 190 ₽",
		"оплата 1003: отменён (не оплачен вовремя) → оплачен",
		"цена ETH-250: 890 ₽ → 1 950,50 ₽",
		"показать KEN-250: скрыт → в продаже",
		"заявка на возврат 1004: ждёт решения → одобрена — возврат 100 ₽",
		"резервная копия —: не удалась",
		"support conversation 3: taken",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("/audit lacks %q:\n%s", want, got)
		}
	}
}
