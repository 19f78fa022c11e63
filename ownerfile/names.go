package ownerfile

import (
	"io/fs"
	"path"
	"strings"
)

// MisnamedYAML reports every file of fsys named like one of patterns
// (globs of the .yaml files a loader reads: "promos.yaml",
// "catalog/*.yaml") but ending in .yml: loaders read only .yaml, so such a
// file would otherwise be skipped without a word. name is fsys as shown
// in errors ("myshop", "myshop/flows").
func (es *Errors) MisnamedYAML(fsys fs.FS, name string, patterns ...string) {
	for _, p := range patterns {
		base, ok := strings.CutSuffix(p, ".yaml")
		if !ok {
			continue
		}
		files, err := fs.Glob(fsys, base+".yml")
		if err != nil {
			continue // a bad pattern is the caller's mistake, and the .yaml glob reports it
		}
		for _, f := range files {
			if st, err := fs.Stat(fsys, f); err == nil && st.IsDir() {
				continue
			}
			es.Add(path.Join(name, f), 0, "name the file %s.yaml", strings.TrimSuffix(path.Base(f), ".yml"))
		}
	}
}
