package flows

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"omnicart/locales"
	"omnicart/ownerfile"
)

// Graph draws the flows named (every flow when none is) as one Mermaid
// flowchart document: each flow a subgraph of its states; an arrow for
// every button, labelled with the button's own words in p's language, for
// every event an action emits (labelled with the event), and for every
// event from outside the chat (labelled "⚡ event"); slash commands point
// at the state they open. States of other flows that an arrow leads to are
// drawn outside the subgraphs. An unknown flow name is an error that lists
// the flows there are.
func (s *Set) Graph(p *locales.Printer, names ...string) (string, error) {
	if len(names) == 0 {
		names = s.Flows()
	}
	for _, n := range names {
		if _, ok := s.flows[n]; !ok {
			return "", fmt.Errorf("no flow %q%s; the flows are: %s", n, ownerfile.Hint(n, s.Flows()), strings.Join(s.Flows(), ", "))
		}
	}
	drawn := map[string]bool{}
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, n := range names {
		fl := s.flows[n]
		fmt.Fprintf(&b, "  subgraph %s[%s]\n", nodeID("flow:"+n), quote(n))
		for _, sn := range slices.Sorted(maps.Keys(fl.States)) {
			st := fl.States[sn]
			shape := "[%s]"
			if sn == fl.Start {
				shape = "([%s])"
			}
			fmt.Fprintf(&b, "    %s"+shape+"\n", nodeID(st.Name), quote(sn))
			drawn[st.Name] = true
		}
		b.WriteString("  end\n")
	}
	var edges strings.Builder
	for _, n := range names {
		fl := s.flows[n]
		for _, cmd := range slices.Sorted(maps.Keys(fl.Commands)) {
			id := nodeID("cmd:" + cmd)
			fmt.Fprintf(&edges, "  %s>%s] --> %s\n", id, quote("/"+cmd), nodeID(n+":"+fl.Commands[cmd]))
		}
		for _, sn := range slices.Sorted(maps.Keys(fl.States)) {
			st := fl.States[sn]
			for _, e := range st.order {
				label := e
				if IsOutside(e) {
					label = "⚡ " + e
				}
				s.edge(&edges, drawn, st.Name, st.On[e], label)
			}
			for _, btn := range st.Buttons {
				s.edge(&edges, drawn, st.Name, btn.To, p.T(btn.Text))
			}
		}
	}
	b.WriteString(edges.String())
	return b.String(), nil
}

// edge writes one arrow, declaring the target first when it is a state of
// a flow not drawn.
func (s *Set) edge(b *strings.Builder, drawn map[string]bool, from, to, label string) {
	if !drawn[to] {
		fmt.Fprintf(b, "  %s[%s]\n", nodeID(to), quote(to))
		drawn[to] = true
	}
	fmt.Fprintf(b, "  %s -->|%s| %s\n", nodeID(from), quote(label), nodeID(to))
}

// nodeID makes a Mermaid node id of a qualified name: letters, digits and
// underscores only ("checkout:pay" → "checkout__pay").
func nodeID(name string) string {
	var b strings.Builder
	for _, r := range strings.ReplaceAll(name, ":", "__") {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "_%x_", r)
		}
	}
	return b.String()
}

// quote makes a Mermaid label: in double quotes, with the characters that
// would end it written as entity codes.
func quote(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "\n", " ", "|", "#124;", "#", "#35;")
	return `"` + r.Replace(s) + `"`
}
