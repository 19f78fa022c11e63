package tgtest

import "slices"

// memoSize bounds each memo; a full one starts over.
const memoSize = 4096

type paramKey struct {
	f *apiField
	v string
}

type markupCheck struct {
	mk  *markup
	err *apiError
}

// remember stores a result in a bounded memo; s.mu is held.
func remember[K comparable, V any](m *map[K]V, k K, v V) {
	if *m == nil || len(*m) >= memoSize {
		*m = make(map[K]V)
	}
	(*m)[k] = v
}

// checkParam is apiSpec.checkParam, remembered for fields that take
// structured (JSON) values, whose check decodes them; s.mu is held.
func (s *Server) checkParam(f *apiField, v string) error {
	if !slices.ContainsFunc(f.Types, func(t string) bool { return !scalarTypes[t] }) {
		return s.spec.checkParam(f, v)
	}
	k := paramKey{f, v}
	if err, ok := s.paramChecks[k]; ok {
		return err
	}
	err := s.spec.checkParam(f, v)
	remember(&s.paramChecks, k, err)
	return err
}
