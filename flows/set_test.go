package flows_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"omnicart/flows"
	"omnicart/locales"
	"omnicart/ownerfile"
)

func TestLoadDefaults(t *testing.T) {
	set, err := flows.Load(nil, "", flows.Builtin(), locales.Default())
	if err != nil {
		t.Fatalf("built-in flows do not load:\n%v", err)
	}
	want := []string{"birthday", "cart", "catalog", "help", "lang", "link", "menu", "offers", "operator", "orders", "search", "start", "stop"}
	if got := set.Commands(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("commands = %v, want %v", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string
	}{
		{"unknown action", `flow: promo
start: a
commands: [promo]
states:
  a:
    do: list_pikup_points
`, []string{`shop/flows/x.yaml:6: state "a": unknown action "list_pikup_points" (did you mean "list_pickup_points"?)`}},
		{"staff action without a role", `flow: orders_desk
commands: [refund]
states:
  refund:
    do: staff_refund
    say: admin.usage_paid
    buttons:
      - {text: common.menu, to: main}
`, []string{`shop/flows/x.yaml:5: state "refund": action "staff_refund" is for staff: give flow "orders_desk" the line role: manager (or higher)`}},
		{"unknown target", `flow: promo
commands: [promo]
states:
  a:
    say: help.text
    buttons:
      - {text: common.menu, to: mian}
`, []string{`shop/flows/x.yaml:7: state "a": button "common.menu": unknown target state "mian" (did you mean "main"?)`}},
		{"unknown text", `flow: promo
commands: [promo]
states:
  a:
    say: menu.txet
    buttons:
      - {text: common.menu, to: main}
`, []string{`shop/flows/x.yaml:5: state "a": unknown text "menu.txet" (did you mean "menu.text"?)`}},
		{"unreachable", `flow: promo
commands: [promo]
states:
  a:
    say: help.text
    buttons:
      - {text: common.menu, to: main}
  orphan:
    say: help.text
    buttons:
      - {text: common.menu, to: main}
`, []string{`shop/flows/x.yaml:8: state "orphan" is unreachable: no event, button or command leads to it`}},
		{"unhandled event", `flow: promo
commands: [promo]
states:
  a:
    do: list_categories
`, []string{`shop/flows/x.yaml:4: state "a": action "list_categories" emits "pick" but the state has no transition for it (add on: {pick: <state>})`}},
		{"event nobody emits", `flow: promo
commands: [promo]
states:
  a:
    do: list_categories
    on: {pick: a, pikc: a}
`, []string{`shop/flows/x.yaml:6: state "a": no action emits event "pikc"`}},
		{"misspelled outside event", `flow: promo
commands: [promo]
states:
  a:
    do: list_categories
    on: {pick: a, payed: a}
`, []string{`shop/flows/x.yaml:6: state "a": no action emits event "payed" and it is not an outside event (cancelled, delivered, expired, operator, paid, payment_failed, shipped) (did you mean "paid"?)`}},
		{"unknown key", `flow: promo
commands: [promo]
states:
  a:
    sya: menu.text
`, []string{`shop/flows/x.yaml:5: state "a": unknown key "sya" (want say, do, input, buttons, on, next)`}},
		{"yaml syntax", "flow: promo\nstates:\n  a: [\n", []string{`shop/flows/x.yaml:3: YAML: did not find expected node content`}},
		{"auto loop", `flow: promo
commands: [promo]
states:
  a:
    say: help.text
    next: b
  b:
    say: help.text
    next: a
`, []string{`shop/flows/x.yaml:4: state "a": promo:a → promo:b → promo:a go round in a loop without waiting for the shopper`}},
		{"placeholder nothing fills", `flow: promo
commands: [promo]
states:
  a:
    say: menu.text
    buttons:
      - {text: common.menu, to: main}
`, []string{`shop/flows/x.yaml:5: state "a": text "menu.text" needs {cart}, which nothing fills here (the state runs no action)`}},
		{"several at once", `flow: promo
commands: [promo]
states:
  a:
    do: nope
    say: no.such.key
`, []string{`shop/flows/x.yaml:5: state "a": unknown action "nope"`, `shop/flows/x.yaml:6: state "a": unknown text "no.such.key"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := flows.Load(ownerFS(map[string]string{"x.yaml": tt.file}), "shop/flows", flows.Builtin(), locales.Default())
			if err == nil {
				t.Fatal("loaded a broken flow")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain\n  %s\ngot:\n  %v", w, err)
				}
			}
		})
	}
}

// TestLoadFileErrors: problems of whole files, reported exactly.
func TestLoadFileErrors(t *testing.T) {
	promo := "flow: promo\ncommands: [promo]\nstates:\n  a:\n    say: help.text\n    buttons: [{text: common.menu, to: main}]\n"
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"a file named .yml is not read", map[string]string{"promo.yml": promo, "notes.txt": "x"},
			[]string{`shop/flows/promo.yml: name the file promo.yaml`}},
		{"two files define one flow", map[string]string{"a.yaml": promo, "b.yaml": "# the same again\n" + promo},
			[]string{`shop/flows/b.yaml:2: flow "promo" already defined at shop/flows/a.yaml:1`}},
		{"the owner's main flow drops /start", map[string]string{"main.yaml": `flow: main
start: menu
commands: {menu: menu, help: menu, lang: menu}
states:
  menu:
    say: help.text
    buttons:
      - {text: menu.catalog, to: browse}
      - {text: menu.cart, to: cart}
      - {text: menu.orders, to: orders}
      - {text: menu.search, to: search}
`}, []string{`shop/flows/main.yaml:3: flow "main" replaces the built-in one, which handled /start, and no flow handles it now (add it to the commands, like commands: {start: menu})`}},
		{"keys given twice", map[string]string{"a.yaml": `flow: promo
commands: {promo: a, promo: a}
states:
  a:
    say: help.text
    do: list_categories
    say: menu.text
    buttons:
      - {text: common.menu, to: main, to: cart}
    on: {pick: a}
    do: show_cart
    buttons: []
flow: other
`},
			[]string{
				`shop/flows/a.yaml:2: commands: promo given twice`,
				`shop/flows/a.yaml:7: state "a": say given twice`,
				`shop/flows/a.yaml:9: state "a": button: to given twice`,
				`shop/flows/a.yaml:11: state "a": do given twice`,
				`shop/flows/a.yaml:12: state "a": buttons given twice`,
				`shop/flows/a.yaml:13: flow given twice`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := flows.Load(ownerFS(tt.files), "shop/flows", flows.Builtin(), locales.Default())
			if got, want := errString(err), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("errors:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestOutsideEventsInFlows: a flow reacts to outside events with on:
// although no action emits them.
func TestOutsideEventsInFlows(t *testing.T) {
	file := `flow: promo
commands: [promo]
states:
  a:
    say: help.text
    on: {shipped: b, delivered: b, operator: b}
    buttons:
      - {text: common.menu, to: main}
  b:
    say: help.text
    buttons:
      - {text: common.menu, to: main}
`
	if _, err := flows.Load(ownerFS(map[string]string{"x.yaml": file}), "shop/flows", flows.Builtin(), locales.Default()); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{flows.Paid, flows.PaymentFailed, flows.Expired, flows.Shipped, flows.Delivered, flows.Cancelled, flows.Operator} {
		if !flows.IsOutside(ev) {
			t.Errorf("%s is not an outside event", ev)
		}
	}
	if flows.IsOutside("pick") || flows.IsOutside(flows.GoEvent("cart")) {
		t.Error("a button event is taken for an outside event")
	}
}

func TestOwnerFlowReplacesDefault(t *testing.T) {
	owner := map[string]string{"main.yaml": `flow: main
start: menu
commands: {start: menu, help: menu, lang: menu, menu: menu}
states:
  menu:
    say: help.text
    buttons:
      - {text: menu.catalog, to: browse}
      - {text: menu.cart, to: cart}
      - {text: menu.orders, to: orders}
      - {text: menu.search, to: search}
`}
	h := newHarness(t, nil, owner)
	replies, err := h.chat("o1", "en").Line("/start")
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 1 || !strings.HasPrefix(replies[0].Text, "This is a shop in a chat") || len(replies[0].Choices) != 4 {
		t.Fatalf("owner's main flow not used: %+v", replies)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add("flow: a\nstates:\n  s:\n    say: menu.text\n    buttons: [{text: common.menu, to: main}]\n")
	f.Add("flow: a\nstart: x\nstates: {x: {do: list_categories, on: {pick: x}}}\n")
	f.Add("[]")
	texts := locales.Default()
	f.Fuzz(func(t *testing.T, file string) {
		flows.Load(ownerFS(map[string]string{"f.yaml": file}), "f", flows.Builtin(), texts)
	})
}

func FuzzDecodeChoice(f *testing.F) {
	for _, s := range []string{"pick|ETH-250", "go:browse:categories", "|", "", "pay|", strings.Repeat("a", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		ev, arg, ok := flows.DecodeChoice(data)
		if !ok {
			return
		}
		if len(data) > 64 || ev == "" {
			t.Fatalf("accepted %q", data)
		}
		if again := flows.EncodeChoice(ev, arg); again != data && !(arg == "" && again+"|" == data) {
			t.Fatalf("round trip %q -> %q", data, again)
		}
	})
}

func TestGraph(t *testing.T) {
	texts := locales.Default()
	set, err := flows.Load(nil, "", flows.Builtin(), texts)
	if err != nil {
		t.Fatal(err)
	}
	g, err := set.Graph(texts.Printer("en"))
	if err != nil {
		t.Fatal(err)
	}
	checkMermaid(t, g)
	for _, want := range []string{
		`subgraph flow__checkout["checkout"]`,
		`checkout__place["place"]`,
		`checkout__confirm -->|"✅ Place the order"| checkout__place`, // a button, in its own words
		`checkout__place -->|"ok"| checkout__pay`,                    // an event an action emits
		`checkout__waiting -->|"⚡ paid"| checkout__done`,             // an event from outside
		`cmd__cart>"/cart"] -->`,
	} {
		if !strings.Contains(g, want) {
			t.Errorf("graph lacks %s", want)
		}
	}
	if strings.Count(g, "flowchart") != 1 {
		t.Errorf("not one document:\n%s", g)
	}
	ru, _ := set.Graph(texts.Printer("ru"), "checkout")
	checkMermaid(t, ru)
	if !strings.Contains(ru, `"✅ Подтвердить заказ"`) || strings.Contains(ru, "subgraph flow__cart") {
		t.Errorf("one flow in Russian:\n%s", ru)
	}
	_, err = set.Graph(texts.Printer("en"), "chekout")
	if err == nil || !strings.Contains(err.Error(), `did you mean "checkout"`) || !strings.Contains(err.Error(), "browse, cart, checkout") {
		t.Errorf("unknown flow: %v", err)
	}
}

// checkMermaid checks what makes a Mermaid flowchart parse: one header,
// subgraphs closed, ids of letters, digits and _, labels quoted, every
// arrow between declared nodes.
func checkMermaid(t *testing.T, g string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(g), "\n")
	if lines[0] != "flowchart LR" {
		t.Fatalf("first line %q", lines[0])
	}
	id := `[A-Za-z0-9_]+`
	label := `"[^"]*"`
	node := regexp.MustCompile(`^\s*(` + id + `)(\[` + label + `\]|\(\[` + label + `\]\)|>` + label + `\])$`)
	sub := regexp.MustCompile(`^\s*subgraph (` + id + `)\[` + label + `\]$`)
	arrow := regexp.MustCompile(`^\s*(` + id + `)(?:>` + label + `\])? -->(?:\|` + label + `\|)? (` + id + `)$`)
	declared, depth := map[string]bool{}, 0
	for i, l := range lines[1:] {
		switch m := node.FindStringSubmatch(l); {
		case sub.MatchString(l):
			depth++
		case strings.TrimSpace(l) == "end":
			depth--
		case m != nil:
			declared[m[1]] = true
		default:
			a := arrow.FindStringSubmatch(l)
			if a == nil {
				t.Fatalf("line %d is not Mermaid: %q", i+2, l)
			}
			declared[a[1]] = true // a command node is declared by its arrow
			if !declared[a[2]] {
				t.Errorf("line %d: arrow to undeclared %s", i+2, a[2])
			}
		}
		if depth < 0 || depth > 1 {
			t.Fatalf("line %d: subgraphs unbalanced", i+2)
		}
	}
	if depth != 0 {
		t.Error("a subgraph is not closed")
	}
}

// TestLoadErrorLines checks that a problem in a flow file is reported at the
// line where it is written, as the catalog's are, deep in a longer file too.
func TestLoadErrorLines(t *testing.T) {
	checkout := `# flows/promo.yaml: a flow like DESIGN's checkout
flow: promo
start: delivery
commands: [promo]
states:
  delivery:
    say: help.text
    buttons:
      - {text: checkout.courier, to: pickup}
      - {text: checkout.pickup, to: pickup}
  pickup:
    say: help.text

    do: list_pikup_points
    on: {pick: delivery}
`
	tests := []struct {
		name, file, want string
	}{
		{"unknown action on line 14", checkout,
			`shop/flows/promo.yaml:14: state "pickup": unknown action "list_pikup_points" (did you mean "list_pickup_points"?)`},
		{"input action at its line", "flow: promo\ncommands: [promo]\nstates:\n  a:\n    say: help.text\n    input: take_phnoe\n",
			`shop/flows/promo.yaml:6: state "a": unknown action "take_phnoe" (did you mean "take_phone"?)`},
		// The YAML parser reports line 2, where the mapping starts; the
		// mistake is the badly indented key on line 6.
		{"YAML syntax at the line of the mistake", "flow: promo\nstates:\n  a:\n    say: help.text\n    buttons: []\n   do: x\n",
			`shop/flows/promo.yaml:6: YAML: `},
		{"a second document", "flow: promo\nstates: {a: {say: help.text}}\n---\nflow: other\n",
			`shop/flows/promo.yaml:3: a second YAML document (---): keep one per file`},
		{"not a mapping", "- flow: promo\n",
			`shop/flows/promo.yaml:1: a flow file is a mapping with flow, start and states`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := flows.Load(ownerFS(map[string]string{"promo.yaml": tt.file}), "shop/flows", flows.Builtin(), locales.Default())
			var errs ownerfile.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Load() error = %v, want ownerfile.Errors", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not contain\n  %s\ngot:\n  %v", tt.want, err)
			}
		})
	}
}
