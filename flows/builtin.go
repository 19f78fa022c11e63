package flows

import (
	"maps"

	"omnicart/payments"
)

// Builtin returns the built-in actions, which the default flows use and
// owners' flows may use too, for validating flow files (Load). They are
// declarations only: their dependencies are missing. The engine runs its
// own copies, built over its store, payment provider and deep links.
func Builtin() Actions {
	all := builtin(nil, nil, nil)
	maps.Copy(all, deskActions(nil, Desk{}))
	return all
}

// builtin builds the actions of every built-in flow over their
// dependencies.
func builtin(st Store, pay []payments.Provider, deepLinks func(payload string) []string) Actions {
	link := newLinker(st)
	all := Actions{}
	for _, part := range []Actions{
		menuActions(st),
		browseActions(st),
		searchActions(st),
		cartActions(st),
		checkoutActions(link, st),
		payActions(st, pay),
		orderActions(st),
		linkActions(link, deepLinks),
		staffActions(),
		campaignActions(st),
	} {
		maps.Copy(all, part)
	}
	return all
}
