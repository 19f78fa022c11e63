package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set by the Makefile (and the Dockerfile) with
// -ldflags "-X main.version=... -X main.commit=... -X main.buildDate=...".
// When they are empty, the Go toolchain's build information fills them in
// (the module version, and the commit and its time from version control).
var version, commit, buildDate string

// buildInfo is what `omnicart --version` prints.
type buildInfo struct {
	Version, Commit, Date string
	Modified              bool // built from a working tree with changes
}

// currentBuild returns the injected version info, completed from
// runtime/debug.ReadBuildInfo.
func currentBuild() buildInfo {
	b := buildInfo{Version: version, Commit: commit, Date: buildDate}
	if info, ok := debug.ReadBuildInfo(); ok {
		b = completeBuild(b, info)
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	return b
}

// completeBuild fills what b lacks from the toolchain's build information.
func completeBuild(b buildInfo, info *debug.BuildInfo) buildInfo {
	if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if b.Commit == "" {
				b.Commit = s.Value
				if len(b.Commit) > 12 {
					b.Commit = b.Commit[:12]
				}
			}
		case "vcs.time":
			if b.Date == "" {
				b.Date = s.Value
			}
		case "vcs.modified":
			b.Modified = b.Modified || s.Value == "true"
		}
	}
	return b
}

// printVersion writes "omnicart VERSION" and the commit, date and toolchain.
func printVersion(w io.Writer, b buildInfo) {
	fmt.Fprintf(w, "omnicart %s\n", b.Version)
	c := b.Commit
	if c == "" {
		c = "unknown"
	} else if b.Modified && !strings.HasSuffix(c, "-dirty") {
		c += "-dirty"
	}
	d := b.Date
	if d == "" {
		d = "unknown"
	}
	fmt.Fprintf(w, "commit:  %s\nbuilt:   %s\ngo:      %s %s/%s\n", c, d, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
