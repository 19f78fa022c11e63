package flows

import (
	"cmp"
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/looplab/fsm"

	"omnicart/bot"
	"omnicart/locales"
	"omnicart/ownerfile"
)

//go:embed defaults/*.yaml
var defaultFiles embed.FS

// Set is a validated set of flows, ready to run.
type Set struct {
	flows    map[string]*Flow
	states   map[string]*State          // by qualified name
	events   map[string][]fsm.EventDesc // transitions leaving each state
	commands map[string]string          // command -> qualified state
	starts   map[string]bool            // qualified start states of every flow
	emitted  map[string]map[string]bool // events the actions of each state emit
}

// goEvent is the event of a static button leading to target.
func goEvent(target string) string { return goPrefix + target }

// start returns the qualified start state of a flow named by a "go:"
// button: the flow's name ("cart") or its start state ("cart:view").
func (s *Set) start(target string) (string, bool) {
	if fl, ok := s.flows[target]; ok {
		return fl.Name + ":" + fl.Start, true
	}
	return target, s.starts[target]
}

// emits reports whether an action of state emits event.
func (s *Set) emits(state, event string) bool { return s.emitted[state][event] }

// Load reads the built-in flows and then the owner's flow files from owner
// (nil for none; name is its display path), where a flow of the same name
// replaces the built-in one. Every problem is reported, each as
// "file:line: message": unknown actions, targets and locale keys, events no
// action emits, unreachable states.
func Load(owner fs.FS, name string, actions Actions, texts *locales.Bundle) (*Set, error) {
	all := map[string]*Flow{}
	var errs Errors
	sub, err := fs.Sub(defaultFiles, "defaults")
	if err != nil {
		return nil, err
	}
	parseFlows(sub, "flows(built-in)", all, &errs)
	// The built-in flow that handles /start: an owner's flow replacing it
	// without the command is named when nothing handles /start.
	var startFlow *Flow
	for _, fl := range all {
		if _, ok := fl.Commands["start"]; ok {
			startFlow = fl
		}
	}
	if owner != nil {
		parseFlows(owner, name, all, &errs)
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	s := &Set{flows: all, states: map[string]*State{}, events: map[string][]fsm.EventDesc{},
		commands: map[string]string{}, starts: map[string]bool{}, emitted: map[string]map[string]bool{}}
	s.validate(actions, texts, startFlow, &errs)
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	return s, nil
}

func (s *Set) validate(actions Actions, texts *locales.Bundle, startFlow *Flow, errs *Errors) {
	actionNames := slices.Sorted(maps.Keys(actions))
	keyNames := texts.Keys()
	for _, fl := range s.flows {
		bad := func(line int, format string, a ...any) {
			*errs = append(*errs, Error{File: fl.File, Line: line, Msg: fmt.Sprintf(format, a...)})
		}
		if _, ok := fl.States[fl.Start]; !ok {
			bad(fl.Line, "flow %q: start state %q does not exist", fl.Name, fl.Start)
			continue
		}
		s.starts[fl.Name+":"+fl.Start] = true
		for c, st := range fl.Commands {
			if _, ok := fl.States[st]; !ok {
				bad(fl.cmdLine, "command /%s: state %q does not exist", c, st)
				continue
			}
			if prev, dup := s.commands[c]; dup {
				bad(fl.cmdLine, "command /%s is already taken by %s", c, prev)
				continue
			}
			s.commands[c] = fl.Name + ":" + st
		}
		for _, sn := range slices.Sorted(maps.Keys(fl.States)) {
			st := fl.States[sn]
			s.states[st.Name] = st
			checkKey := func(line int, key string) {
				if key != "" && !texts.Has(key) {
					bad(line, "state %q: unknown text %q%s", sn, key, ownerfile.Hint(key, keyNames))
				}
			}
			checkKey(st.sayLine(), st.Say)
			if st.Say != "" && texts.Has(st.Say) {
				var fills []string
				if a, ok := actions[st.Do]; ok {
					fills = a.Fills
				}
				for _, ph := range texts.Placeholders(st.Say) {
					if !slices.Contains(fills, ph) {
						by := "the state runs no action"
						if st.Do != "" {
							by = fmt.Sprintf("action %q fills %v", st.Do, fills)
						}
						bad(st.sayLine(), "state %q: text %q needs {%s}, which nothing fills here (%s)", sn, st.Say, ph, by)
					}
				}
			}
			emits := map[string]bool{}
			s.emitted[st.Name] = emits
			for _, an := range []string{st.Do, st.Input} {
				if an == "" {
					continue
				}
				a, ok := actions[an]
				if !ok {
					bad(st.actionLine(an), "state %q: unknown action %q%s", sn, an, ownerfile.Hint(an, actionNames))
					continue
				}
				if !fl.Role.AtLeast(a.Role) {
					bad(st.actionLine(an), "state %q: action %q is for staff: give flow %q the line role: %s (or higher)", sn, an, fl.Name, a.Role)
				}
				for _, e := range a.Emits {
					emits[e] = true
					if _, ok := st.On[e]; !ok {
						bad(st.Line, "state %q: action %q emits %q but the state has no transition for it (add on: {%s: <state>})", sn, an, e, e)
					}
				}
			}
			auto := st.Do == "" && st.Input == ""
			for _, e := range st.order {
				target, ok := resolve(st.On[e], fl, s.flows)
				if !ok {
					bad(st.onLine[e], "state %q: event %q: unknown target state %q%s", sn, e, st.On[e], ownerfile.Hint(st.On[e], s.stateNames(fl)))
					continue
				}
				st.On[e] = target
				if !emits[e] && !(e == "next" && (auto || st.Do != "")) && !IsOutside(e) {
					known := append(slices.Sorted(maps.Keys(emits)), outsideEvents...)
					bad(st.onLine[e], "state %q: no action emits event %q and it is not an outside event (%s)%s",
						sn, e, strings.Join(outsideEvents, ", "), ownerfile.Hint(e, known))
				}
				s.events[st.Name] = append(s.events[st.Name], fsm.EventDesc{Name: e, Src: []string{st.Name}, Dst: target})
			}
			for i, b := range st.Buttons {
				checkKey(b.Line, b.Text)
				target, ok := resolve(b.To, fl, s.flows)
				if !ok {
					bad(b.Line, "state %q: button %q: unknown target state %q%s", sn, b.Text, b.To, ownerfile.Hint(b.To, s.stateNames(fl)))
					continue
				}
				st.Buttons[i].To = target
				if len(goEvent(target)) > bot.MaxChoiceData {
					bad(b.Line, "state %q: button %q: target %q is too long for button data (shorten the flow or state name)", sn, b.Text, target)
				}
				s.events[st.Name] = append(s.events[st.Name], fsm.EventDesc{Name: goEvent(target), Src: []string{st.Name}, Dst: target})
			}
		}
	}
	if len(*errs) > 0 {
		return
	}
	if _, ok := s.commands["start"]; !ok {
		var replaced *Flow // the owner's flow in place of the built-in one that handled /start
		if startFlow != nil && s.flows[startFlow.Name] != startFlow {
			replaced = s.flows[startFlow.Name]
		}
		if fl := replaced; fl != nil {
			line := cmp.Or(fl.cmdLine, fl.nameLine, fl.Line)
			*errs = append(*errs, Error{File: fl.File, Line: line, Msg: fmt.Sprintf(
				"flow %q replaces the built-in one, which handled /start, and no flow handles it now (add it to the commands, like commands: {start: %s})", fl.Name, fl.Start)})
		} else {
			*errs = append(*errs, Error{File: "flows", Msg: "no flow handles /start (add commands: {start: <state>} to a flow)"})
		}
	}
	// Every state must be reachable from some flow's start or a command.
	seen := map[string]bool{}
	var queue []string
	for st := range s.starts {
		queue = append(queue, st)
	}
	for _, st := range s.commands {
		queue = append(queue, st)
	}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		if seen[st] {
			continue
		}
		seen[st] = true
		for _, e := range s.events[st] {
			queue = append(queue, e.Dst)
		}
	}
	// States that only say something and move on must not go round in a
	// circle: the conversation would never wait for the shopper.
	for _, fl := range s.flows {
		for _, sn := range slices.Sorted(maps.Keys(fl.States)) {
			st := fl.States[sn]
			path := []string{st.Name}
			for cur := st; cur.auto(); {
				next := s.states[cur.On["next"]]
				if slices.Contains(path, next.Name) {
					if next.Name == st.Name {
						*errs = append(*errs, Error{File: fl.File, Line: st.Line, Msg: fmt.Sprintf(
							"state %q: %s go round in a loop without waiting for the shopper", sn, strings.Join(append(path, next.Name), " → "))})
					}
					break
				}
				path = append(path, next.Name)
				cur = next
			}
		}
	}
	for _, fl := range s.flows {
		for sn, st := range fl.States {
			if !seen[st.Name] {
				*errs = append(*errs, Error{File: fl.File, Line: st.Line, Msg: fmt.Sprintf("state %q is unreachable: no event, button or command leads to it", sn)})
			}
		}
	}
}

func (s *Set) stateNames(fl *Flow) []string {
	names := slices.Collect(maps.Keys(fl.States))
	for n := range s.flows {
		names = append(names, n)
	}
	return names
}

// Flows returns the flow names, sorted.
func (s *Set) Flows() []string { return slices.Sorted(maps.Keys(s.flows)) }

// Command returns the state a slash command opens.
func (s *Set) Command(name string) (string, bool) {
	st, ok := s.commands[name]
	return st, ok
}

// Commands returns the slash commands every shopper may use, sorted (the
// ones Telegram lists in its menu); staff commands are left out.
func (s *Set) Commands() []string { return s.CommandsFor(RoleShopper) }

// CommandsFor returns the slash commands a chat of role r may use, sorted.
func (s *Set) CommandsFor(r Role) []string {
	var out []string
	for c, st := range s.commands {
		if s.Allowed(r, st) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// machine rebuilds the state machine of state at its current position.
func (s *Set) machine(state string) *fsm.FSM {
	return fsm.NewFSM(state, s.events[state], nil)
}

// DefaultFiles returns the built-in flow files, for owners to copy.
func DefaultFiles() fs.FS {
	sub, _ := fs.Sub(defaultFiles, "defaults")
	return sub
}

// auto reports whether the state moves on by itself: it runs no action,
// reads no input, shows no buttons and has a next state.
func (st *State) auto() bool {
	_, next := st.On["next"]
	return next && st.Do == "" && st.Input == "" && len(st.Buttons) == 0
}

// sayLine is the line of the state's say key, or the state's own line.
func (st *State) sayLine() int {
	if st.sayAt > 0 {
		return st.sayAt
	}
	return st.Line
}
