package flows

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"omnicart/ownerfile"
)

// A flow file names its states; each state may say a text, run an action on
// entry (do), read free input (input), offer buttons, and move on events:
//
//	flow: cart
//	start: view
//	commands: [cart]
//	states:
//	  view:
//	    do: show_cart
//	    on: {inc: view, dec: view, empty: empty}
//	    buttons:
//	      - {text: cart.checkout, to: checkout}
//
// Targets are "state" (same flow), "flow:state" or "flow" (its start state).
//
// A flow for the shop's staff says who may use it with role: (operator,
// manager or owner; a higher role may do what a lower one may). Its commands
// are unknown commands to everyone else, and nobody else enters its states:
//
//	flow: admin_orders
//	role: manager
//	commands: {order: order}

// Flow is one conversation graph loaded from a file.
type Flow struct {
	Name  string
	Start string
	// Commands maps a slash command to the state it opens ("cart": "view").
	Commands map[string]string
	// Role is who may use the flow; RoleShopper: everyone.
	Role     Role
	States   map[string]*State
	File     string
	Line     int
	cmdLine  int
	nameLine int // line of flow:
}

// State is one node of a flow.
type State struct {
	Name    string // qualified: "flow:state"
	Say     string // locale key shown on entry
	Do      string // action run on entry
	Input   string // action run on free text, contact or location
	Buttons []Button
	On      map[string]string // event -> qualified target
	Line    int
	onLine  map[string]int
	sayAt   int      // line of say
	doAt    int      // line of do
	inputAt int      // line of input
	order   []string // events in file order
}

// Button is a static button of a state.
type Button struct {
	Text string // locale key
	To   string // qualified target
	Line int
}

// Error is one problem in a flow file, printed as "file:line: message";
// Errors is every problem found. They are the ownerfile package's types, so
// every owner file reports problems alike.
type (
	Error  = ownerfile.Error
	Errors = ownerfile.Errors
)

// parseFlows reads every *.yaml file of fsys; a flow in a later set replaces
// one of the same name, two of one name in the same set are an error.
func parseFlows(fsys fs.FS, name string, into map[string]*Flow, errs *Errors) {
	files, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		errs.Add(name, 0, "%v", err)
		return
	}
	errs.MisnamedYAML(fsys, name, "*.yaml")
	sort.Strings(files)
	defined := map[string]*Flow{}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			errs.Add(path.Join(name, f), 0, "%v", err)
			continue
		}
		fl := parseFlow(data, path.Join(name, f), errs)
		if fl == nil {
			continue
		}
		if prev := defined[fl.Name]; prev != nil {
			errs.Add(fl.File, fl.nameLine, "flow %q already defined at %s:%d", fl.Name, prev.File, prev.nameLine)
			continue
		}
		defined[fl.Name] = fl
		into[fl.Name] = fl
	}
}

// parseFlow reads one flow file; every problem goes to errs at its line.
func parseFlow(data []byte, file string, errs *Errors) *Flow {
	f := ownerfile.File{Name: file, Errs: errs}
	bad := f.Errorf
	top, ok := f.Parse(data)
	if !ok {
		return nil
	}
	if top == nil || top.Kind != yaml.MappingNode {
		line := 1
		if top != nil {
			line = top.Line
		}
		bad(line, "a flow file is a mapping with flow, start and states")
		return nil
	}
	fl := &Flow{File: file, Line: top.Line, States: map[string]*State{}}
	var states *yaml.Node
	cmdLine := 0
	eachField(top, "", bad, func(k, v *yaml.Node) {
		switch k.Value {
		case "flow":
			fl.Name, fl.nameLine = scalar(v, bad), k.Line
		case "start":
			fl.Start = scalar(v, bad)
		case "commands":
			fl.Commands = map[string]string{}
			switch v.Kind {
			case yaml.MappingNode:
				eachField(v, "commands: ", bad, func(ck, cv *yaml.Node) { fl.Commands[ck.Value] = scalar(cv, bad) })
			default:
				for _, c := range scalars(v, bad) {
					fl.Commands[c] = ""
				}
			}
			cmdLine = v.Line
		case "role":
			r := scalar(v, bad)
			role, ok := ParseRole(r)
			if !ok || role == RoleShopper {
				bad(v.Line, "role %q: want operator, manager or owner%s", r, ownerfile.Hint(r, []string{"operator", "manager", "owner"}))
			}
			fl.Role = role
		case "states":
			states = v
		default:
			bad(k.Line, "unknown key %q (want flow, start, role, commands, states)", k.Value)
		}
	})
	if fl.Name == "" {
		bad(top.Line, "missing flow name (flow: ...)")
		return nil
	}
	if !isIdent(fl.Name) {
		bad(top.Line, "flow name %q: use lowercase letters, digits and _", fl.Name)
		return nil
	}
	if states == nil || states.Kind != yaml.MappingNode || len(states.Content) == 0 {
		bad(top.Line, "flow %q has no states", fl.Name)
		return nil
	}
	if fl.Start == "" {
		fl.Start = states.Content[0].Value
	}
	for c, st := range fl.Commands {
		if st == "" {
			fl.Commands[c] = fl.Start
		}
		if !isIdent(c) {
			bad(cmdLine, "command %q: use lowercase letters, digits and _", c)
		}
	}
	fl.cmdLine = cmdLine
	eachPair(states, func(k, v *yaml.Node) {
		if !isIdent(k.Value) {
			bad(k.Line, "state name %q: use lowercase letters, digits and _", k.Value)
			return
		}
		if _, dup := fl.States[k.Value]; dup {
			bad(k.Line, "state %q defined twice", k.Value)
			return
		}
		st := &State{Name: fl.Name + ":" + k.Value, Line: k.Line, On: map[string]string{}, onLine: map[string]int{}}
		fl.States[k.Value] = st
		if v.Kind != yaml.MappingNode {
			bad(v.Line, "state %q: want a mapping (say, do, input, buttons, on, next)", k.Value)
			return
		}
		eachField(v, fmt.Sprintf("state %q: ", k.Value), bad, func(sk, sv *yaml.Node) {
			switch sk.Value {
			case "say":
				st.Say, st.sayAt = scalar(sv, bad), sv.Line
			case "do":
				st.Do, st.doAt = scalar(sv, bad), sv.Line
			case "input":
				st.Input, st.inputAt = scalar(sv, bad), sv.Line
			case "next":
				st.addOn("next", scalar(sv, bad), sv.Line, bad, k.Value)
			case "on":
				if sv.Kind != yaml.MappingNode {
					bad(sv.Line, "state %q: on: want a mapping of event: target", k.Value)
					return
				}
				eachPair(sv, func(ek, ev *yaml.Node) {
					st.addOn(ek.Value, scalar(ev, bad), ek.Line, bad, k.Value)
				})
			case "buttons":
				if sv.Kind != yaml.SequenceNode {
					bad(sv.Line, "state %q: buttons: want a list of {text, to}", k.Value)
					return
				}
				for _, b := range sv.Content {
					if b.Kind != yaml.MappingNode {
						bad(b.Line, "state %q: a button is {text: key, to: target}", k.Value)
						continue
					}
					btn := Button{Line: b.Line}
					eachField(b, fmt.Sprintf("state %q: button: ", k.Value), bad, func(bk, bv *yaml.Node) {
						switch bk.Value {
						case "text":
							btn.Text = scalar(bv, bad)
						case "to":
							btn.To = scalar(bv, bad)
						default:
							bad(bk.Line, "state %q: button: unknown key %q (want text, to)", k.Value, bk.Value)
						}
					})
					if btn.Text == "" || btn.To == "" {
						bad(b.Line, "state %q: a button needs text and to", k.Value)
						continue
					}
					st.Buttons = append(st.Buttons, btn)
				}
			default:
				bad(sk.Line, "state %q: unknown key %q (want say, do, input, buttons, on, next)", k.Value, sk.Value)
			}
		})
	})
	return fl
}

func (st *State) addOn(event, target string, line int, bad func(int, string, ...any), state string) {
	if !isIdent(event) {
		bad(line, "state %q: event name %q: use lowercase letters, digits and _", state, event)
		return
	}
	if _, dup := st.On[event]; dup {
		bad(line, "state %q: event %q defined twice", state, event)
		return
	}
	st.On[event] = target
	st.onLine[event] = line
	st.order = append(st.order, event)
}

// actionLine is the line where the state names action an (its do or
// input), or the state's own line.
func (st *State) actionLine(an string) int {
	switch {
	case an == st.Do && st.doAt > 0:
		return st.doAt
	case an == st.Input && st.inputAt > 0:
		return st.inputAt
	}
	return st.Line
}

func eachPair(n *yaml.Node, fn func(k, v *yaml.Node)) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i], n.Content[i+1])
	}
}

// eachField is eachPair for a mapping of fields: a key given twice is
// reported, "<ctx><key> given twice", and skipped (YAML would keep the
// last one without a word).
func eachField(n *yaml.Node, ctx string, bad func(int, string, ...any), fn func(k, v *yaml.Node)) {
	seen := map[string]bool{}
	eachPair(n, func(k, v *yaml.Node) {
		if seen[k.Value] {
			bad(k.Line, "%s%s given twice", ctx, k.Value)
			return
		}
		seen[k.Value] = true
		fn(k, v)
	})
}

func scalar(n *yaml.Node, bad func(int, string, ...any)) string {
	if n.Kind != yaml.ScalarNode {
		bad(n.Line, "want a single value")
		return ""
	}
	return strings.TrimSpace(n.Value)
}

// scalars reads a single value or a list of values.
func scalars(n *yaml.Node, bad func(int, string, ...any)) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{strings.TrimSpace(n.Value)}
	}
	if n.Kind != yaml.SequenceNode {
		bad(n.Line, "want a list")
		return nil
	}
	var out []string
	for _, c := range n.Content {
		out = append(out, scalar(c, bad))
	}
	return out
}

func isIdent(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// resolve turns a target as written in flow fl into "flow:state".
func resolve(target string, fl *Flow, flows map[string]*Flow) (string, bool) {
	f, s, cross := strings.Cut(target, ":")
	if !cross {
		if _, ok := fl.States[target]; ok {
			return fl.Name + ":" + target, true
		}
		if other, ok := flows[target]; ok {
			return other.Name + ":" + other.Start, true
		}
		return "", false
	}
	other, ok := flows[f]
	if !ok {
		return "", false
	}
	if _, ok := other.States[s]; !ok {
		return "", false
	}
	return f + ":" + s, true
}
