package tgtest

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
)

// specEnv names the environment variable that overrides where api.json is.
const specEnv = "OMNICART_TG_API_JSON"

// apiSpec is the Bot API as described by botapi/api.json.
type apiSpec struct {
	methods map[string]*apiMethod // by lower-case name: Telegram ignores the case
	types   map[string]*apiType
}

type apiField struct {
	Name     string   `json:"name"`
	Types    []string `json:"types"`
	Required bool     `json:"required"`
}

type apiMethod struct {
	Name    string     `json:"name"`
	Returns []string   `json:"returns"`
	Fields  []apiField `json:"fields"`
	byName  map[string]*apiField
}

type apiType struct {
	Name     string     `json:"name"`
	Fields   []apiField `json:"fields"`
	Subtypes []string   `json:"subtypes"`
}

// botAPI is the Bot API description kept in the repository (botapi/: its
// source and MIT licence are beside it), so a clone tests on its own.
//
//go:embed botapi/api.json
var botAPI []byte

// loadSpec parses the Bot API description once per test binary:
// $OMNICART_TG_API_JSON when set (to try a newer description), else the
// embedded copy.
var loadSpec = sync.OnceValues(func() (*apiSpec, error) {
	data, name := botAPI, "botapi/api.json (embedded)"
	if p := os.Getenv(specEnv); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read Bot API spec from $%s: %w", specEnv, err)
		}
		data, name = b, p
	}
	sp, err := parseSpec(data)
	if err != nil {
		return nil, fmt.Errorf("parse Bot API spec %s: %w", name, err)
	}
	return sp, nil
})

func parseSpec(data []byte) (*apiSpec, error) {
	var raw struct {
		Methods map[string]*apiMethod `json:"methods"`
		Types   map[string]*apiType   `json:"types"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	if len(raw.Methods) == 0 || len(raw.Types) == 0 {
		return nil, errors.New("no methods or types")
	}
	sp := &apiSpec{methods: make(map[string]*apiMethod, len(raw.Methods)), types: raw.Types}
	for _, m := range raw.Methods {
		m.byName = make(map[string]*apiField, len(m.Fields))
		for i := range m.Fields {
			m.byName[m.Fields[i].Name] = &m.Fields[i]
		}
		sp.methods[strings.ToLower(m.Name)] = m
	}
	return sp, nil
}

// checkParam reports whether a form value fits one of the field's types:
// scalars as text, the rest as JSON-serialized values.
func (sp *apiSpec) checkParam(f *apiField, v string) error {
	var scalars, structured []string
	for _, t := range f.Types {
		if scalarTypes[t] {
			scalars = append(scalars, t)
		} else {
			structured = append(structured, t)
		}
	}
	var first error
	for _, t := range scalars {
		err := checkScalar(t, f.Name, v)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	either := fmt.Errorf("field %q must be %s", f.Name, strings.Join(f.Types, " or "))
	if len(structured) == 0 {
		if len(scalars) > 1 {
			return either
		}
		return first
	}
	x, err := decodeJSON(v)
	if err == nil {
		err = sp.checkOneOf(structured, x, f.Name)
	}
	switch {
	case err == nil:
		return nil
	case len(scalars) > 0:
		return either
	}
	return fmt.Errorf("can't parse %s JSON object: %w", f.Name, err)
}

// scalarTypes are the api.json types sent as plain form values.
var scalarTypes = map[string]bool{"String": true, "Integer": true, "Float": true, "Boolean": true, "InputFile": true}

// checkScalar checks a form value against a scalar type.
func checkScalar(typ, name, v string) error {
	switch typ {
	case "Integer":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return fmt.Errorf("field %q must be an Integer, got %q", name, v)
		}
	case "Float":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return fmt.Errorf("field %q must be a Float, got %q", name, v)
		}
	case "Boolean":
		if v != "true" && v != "false" {
			return fmt.Errorf("field %q must be a Boolean (true or false), got %q", name, v)
		}
	case "InputFile":
		if v == "" {
			return fmt.Errorf("field %q must be a file or a file_id or URL", name)
		}
	}
	return nil
}

// decodeJSON decodes exactly one JSON value, keeping numbers as json.Number.
func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return x, nil
}

// checkJSON checks a decoded JSON value against one api.json type. Unknown
// fields of objects are ignored, as Telegram does.
func (sp *apiSpec) checkJSON(typ string, v any, path string) error {
	switch typ {
	case "String", "InputFile":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s must be a String", path)
		}
		return nil
	case "Integer":
		if n, ok := v.(json.Number); !ok || !isInteger(n) {
			return fmt.Errorf("%s must be an Integer", path)
		}
		return nil
	case "Float":
		if _, ok := v.(json.Number); !ok {
			return fmt.Errorf("%s must be a Float", path)
		}
		return nil
	case "Boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s must be a Boolean", path)
		}
		return nil
	}
	if elem, ok := strings.CutPrefix(typ, "Array of "); ok {
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s must be an Array of %s", path, elem)
		}
		for i, e := range arr {
			if err := sp.checkJSON(elem, e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	t := sp.types[typ]
	if t == nil {
		return nil // a type api.json does not describe: accept
	}
	if len(t.Subtypes) > 0 {
		return sp.checkOneOf(t.Subtypes, v, path)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s must be a JSON object (%s)", path, typ)
	}
	for _, f := range t.Fields {
		x, ok := obj[f.Name]
		if !ok || x == nil {
			if f.Required {
				return fmt.Errorf("%s.%s is required in %s", path, f.Name, typ)
			}
			continue
		}
		if err := sp.checkOneOf(f.Types, x, path+"."+f.Name); err != nil {
			return err
		}
	}
	return nil
}

// checkOneOf accepts v if it fits any of types. When none fits, it explains
// the failure of the type v was evidently meant to be (an object carrying
// all of that type's required fields), else lists the types.
func (sp *apiSpec) checkOneOf(types []string, v any, path string) error {
	if len(types) == 1 {
		return sp.checkJSON(types[0], v, path)
	}
	var meant error
	for _, t := range types {
		err := sp.checkJSON(t, v, path)
		if err == nil {
			return nil
		}
		if meant == nil && sp.hasRequired(t, v) {
			meant = err
		}
	}
	if meant != nil {
		return meant
	}
	return fmt.Errorf("%s must be %s", path, strings.Join(types, " or "))
}

// hasRequired reports whether v is an object with every required field of typ.
func (sp *apiSpec) hasRequired(typ string, v any) bool {
	obj, ok := v.(map[string]any)
	t := sp.types[typ]
	if !ok || t == nil || len(t.Subtypes) > 0 {
		return false
	}
	for _, f := range t.Fields {
		if _, ok := obj[f.Name]; f.Required && !ok {
			return false
		}
	}
	return true
}

func isInteger(n json.Number) bool {
	_, err := strconv.ParseInt(string(n), 10, 64)
	return err == nil
}
