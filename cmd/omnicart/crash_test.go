package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"omnicart/shop"
	"omnicart/store"
)

// TestSixKillsUnderLoad: 20 shoppers buy and pay through the web chat of
// the real binary while it is killed with SIGKILL six times and started
// again on the same data directory. Afterwards every order a shopper saw
// placed is there, every payment a shopper saw is there, no customer has
// two orders (each placed one, re-tapping after a crash), the store
// verifies, and the stock sold equals the units in orders.
func TestSixKillsUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	const shoppers, kills, stock = 20, 6, 5000
	config, shopDir := copyDemo(t)
	catalog := filepath.Join(shopDir, "catalog.yaml")
	body, _ := os.ReadFile(catalog)
	edited := strings.Replace(string(body), "stock: 8\n    photo: images/ken-250.jpg", fmt.Sprintf("stock: %d\n    photo: images/ken-250.jpg", stock), 1)
	if edited == string(body) {
		t.Fatal("the demo catalog changed: no Kenya stock to raise")
	}
	os.WriteFile(catalog, []byte(edited), 0o644)
	addr := freeAddr(t)
	os.WriteFile(config, []byte("[shop]\nname = \"Test shop\"\ndir = \"myshop\"\n[data]\ndir = \"data\"\n[http]\naddr = \""+addr+"\"\n[log]\nlevel = \"warn\"\n"), 0o644)
	base := "http://" + addr + "/"

	var stop atomic.Bool
	var wg sync.WaitGroup
	results := make([]*crashShopper, shoppers)
	for i := range shoppers {
		s := newCrashShopper(base, i)
		results[i] = s
		wg.Go(func() { s.shop(&stop) })
	}
	up := func() bool {
		resp, err := http.Get(base + "healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}
	for k := range kills {
		p := start(t, "run", "--config", config)
		if !waitUntil(20*time.Second, up) {
			t.Fatalf("start %d: the shop did not come up", k+1)
		}
		time.Sleep(2500 * time.Millisecond) // shoppers buy
		p.kill(t)
	}
	last := start(t, "run", "--config", config)
	if !waitUntil(20*time.Second, up) {
		t.Fatal("the last start did not come up")
	}
	time.Sleep(1500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	last.stop(t, 20*time.Second)

	placed, paid, taps := map[int64]bool{}, map[int64]bool{}, 0
	for _, s := range results {
		for n := range s.placed {
			placed[n] = true
		}
		for n := range s.paid {
			paid[n] = true
		}
		taps += s.taps
	}
	t.Logf("%d kills: %d orders seen placed, %d seen paid, %d Place taps, %d rounds cut by a kill", kills, len(placed), len(paid), taps, countCut(results))
	if len(paid) == 0 {
		t.Fatal("no shopper completed a purchase: the test proves nothing")
	}

	data := filepath.Join(filepath.Dir(config), "data")
	rep, err := store.Verify(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the store: %d orders (%v), most of one customer %d", rep.Orders, rep.ByStatus, rep.MostOrders)
	if !rep.OK() {
		t.Errorf("verify: %v", rep.Problems)
	}
	if rep.MostOrders > 1 {
		t.Errorf("a customer has %d orders: an order was doubled", rep.MostOrders)
	}
	db, err := store.Open(data, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for n := range placed {
		if !orderExists(ctx, t, db, n, false) {
			t.Errorf("order #%d was shown placed and is lost", n)
		}
	}
	for n := range paid {
		if !orderExists(ctx, t, db, n, true) {
			t.Errorf("order #%d was shown paid and is not paid", n)
		}
	}
	left, _, err := db.Stock(ctx, shop.Item{SKU: "KEN-250"})
	if err != nil {
		t.Fatal(err)
	}
	if sold := stock - left; sold != rep.Ordered["KEN-250"] {
		t.Errorf("stock sold %d, units in orders %d", sold, rep.Ordered["KEN-250"])
	}
}

// orderExists looks order #n up among every customer's orders.
func orderExists(ctx context.Context, t *testing.T, db *store.DB, n int64, paid bool) bool {
	t.Helper()
	found := false
	err := db.EachOrder(ctx, func(o shop.Order) bool {
		if o.Number == n {
			found = !paid || o.Status == shop.StatusPaid
			return false
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func countCut(ss []*crashShopper) int {
	n := 0
	for _, s := range ss {
		n += s.cut
	}
	return n
}

// crashShopper buys one Kenya coffee per round, each round as a new web
// chat customer, and carries on through the shop's crashes.
type crashShopper struct {
	base   string
	client *http.Client
	last   []choice
	text   string

	taps         int
	cut          int
	placed, paid map[int64]bool
}

func newCrashShopper(base string, i int) *crashShopper {
	// Each shopper from its own loopback address, as real shoppers are:
	// the web chat limits requests per address.
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(10+i))}
	tr := &http.Transport{DialContext: (&net.Dialer{LocalAddr: local, Timeout: 2 * time.Second}).DialContext}
	return &crashShopper{base: base, client: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		placed: map[int64]bool{}, paid: map[int64]bool{}}
}

var (
	placedRe = regexp.MustCompile(`Order #(\d+) is placed`)
	paidRe   = regexp.MustCompile(`Order #(\d+) is paid`)
)

// post sends one message; an error means the shop was not there.
func (s *crashShopper) post(body map[string]any) error {
	time.Sleep(210 * time.Millisecond) // a person's pace
	data, _ := json.Marshal(body)
	resp, err := s.client.Post(s.base+"api/send", "application/json", bytes.NewReader(data))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s", resp.Status)
	}
	var out struct{ Messages []message }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return err
	}
	s.read(out.Messages)
	return nil
}

func (s *crashShopper) read(ms []message) {
	for _, m := range ms {
		s.text += m.Text + "\n"
		for _, x := range placedRe.FindAllStringSubmatch(m.Text, -1) {
			var n int64
			fmt.Sscan(x[1], &n)
			s.placed[n] = true
		}
		for _, x := range paidRe.FindAllStringSubmatch(m.Text, -1) {
			var n int64
			fmt.Sscan(x[1], &n)
			s.paid[n] = true
		}
		if len(m.Choices) > 0 {
			s.last = nil
			for _, row := range m.Choices {
				s.last = append(s.last, row...)
			}
		}
	}
}

func (s *crashShopper) button(label string) (choice, bool) {
	for _, c := range s.last {
		if strings.HasPrefix(c.Label, label) || strings.Contains(c.Label, label) {
			return c, true
		}
	}
	return choice{}, false
}

// step is one thing a shopper does in a round: press a button, or send
// text or a location.
type step struct {
	press string
	say   string
	loc   bool
}

var round = []step{
	{say: "kenya"}, {press: "Kenya"}, {press: "Whole beans"}, {press: "Add 1"}, {press: "✅ Check out"},
	{say: "Crash Buyer"}, {say: "+7 916 000-00-01"}, {press: "🏬 Pickup point"}, {loc: true},
	{press: "Frunzenskaya"}, {press: "✅ Place the order"}, {press: "💳 Pay"},
}

// shop runs rounds until stop. When the shop goes away mid-round, the
// shopper waits for it, looks at the screen the chat holds, and goes on
// from the step whose button is there, like a person would.
func (s *crashShopper) shop(stop *atomic.Bool) {
	for !stop.Load() {
		jar, _ := cookiejar.New(nil)
		s.client.Jar = jar
		s.last, s.text = nil, ""
		for i := 0; i < len(round) && !stop.Load(); {
			st := round[i]
			var err error
			switch {
			case st.loc:
				err = s.post(map[string]any{"location": map[string]float64{"lat": 55.74, "lon": 37.60}})
			case st.say != "":
				err = s.post(map[string]any{"text": st.say})
			default:
				c, ok := s.button(st.press)
				if !ok {
					i = len(round) // the screen is not what a round expects: start another
					continue
				}
				if st.press == "✅ Place the order" {
					s.taps++
				}
				err = s.post(map[string]any{"button": c.Data})
			}
			if err == nil {
				i++
				continue
			}
			s.cut++
			if !s.resume(stop) {
				return
			}
			// Go on from the furthest step whose button the screen shows.
			next := -1
			for j := len(round) - 1; j >= 0; j-- {
				if round[j].press != "" {
					if _, ok := s.button(round[j].press); ok {
						next = j
						break
					}
				}
			}
			if next < 0 {
				i = len(round)
				continue
			}
			i = next
		}
	}
}

// resume waits until the shop answers again and reads the chat's screen.
func (s *crashShopper) resume(stop *atomic.Bool) bool {
	for !stop.Load() {
		time.Sleep(100 * time.Millisecond)
		resp, err := s.client.Get(s.base + "api/messages") // without after: at once, never a long poll
		if err != nil {
			continue
		}
		var out struct{ Messages []message }
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			continue
		}
		s.last = nil
		s.read(out.Messages)
		return true
	}
	return false
}
